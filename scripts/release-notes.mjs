// Prints the section of CHANGELOG.md for one version, the notes of its GitHub release.
//
//   node scripts/release-notes.mjs v1.2.3 [CHANGELOG]
//
// The changelog keeps https://keepachangelog.com's shape: a `## [1.2.3] - 2026-12-01` heading
// per version. A version without a section, or with an empty one, fails (exit 1).
import { readFileSync } from 'node:fs';

const [tag = '', file = 'CHANGELOG.md'] = process.argv.slice(2);
const version = tag.replace(/^v/, '');
if (!/^\d+\.\d+\.\d+$/.test(version)) {
  console.error(`Not a release tag: '${tag}' (expected vX.Y.Z).`);
  process.exit(1);
}
const lines = readFileSync(file, 'utf8').split('\n');
const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
const notes =
  start < 0
    ? ''
    : lines
        .slice(start + 1, end < 0 ? undefined : end)
        .join('\n')
        .trim();
if (notes === '') {
  console.error(`${file} has no notes for ${version}: add a '## [${version}] - <date>' section.`);
  process.exit(1);
}
console.log(notes);
