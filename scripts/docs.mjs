// Writes the README's inputs and outputs tables from action.yml, between markers:
//
//   <!-- start inputs -->   …   <!-- end inputs -->
//   <!-- start outputs -->  …   <!-- end outputs -->
//
//   node scripts/docs.mjs            rewrites the tables in README.md
//   node scripts/docs.mjs --check    exits 1, naming the rows that differ, when README.md and
//                                    action.yml disagree
//
// action.yml is the one place where inputs and outputs are described. A description of several
// lines becomes one table cell: lines joined with spaces, inline code kept, `|` escaped.
//
// Each table is formatted with Prettier's API and the repository's Prettier config, in the compact
// form Prettier gives a table too wide for a line (`proseWrap: 'never'`), and follows a
// `<!-- prettier-ignore -->` line: Prettier's aligned form would pad every row to the longest
// description and double the README's size. `prettier --check .` accepts the result as it is.
//
// The per-registry outputs `docker_username_<host>` and `docker_password_<host>` are named at run
// time, so action.yml cannot declare them; their rows come from DYNAMIC_OUTPUTS below and follow
// the rows of the declared outputs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const DYNAMIC_OUTPUTS = [
  {
    name: 'docker_username_<host>',
    description:
      'The user name (`AWS`) for each registry logged in. `<host>` is the registry host with every ' +
      'run of characters outside `[a-zA-Z0-9_]` replaced by `_`: ' +
      '`123456789012.dkr.ecr.eu-west-1.amazonaws.com` gives ' +
      '`docker_username_123456789012_dkr_ecr_eu_west_1_amazonaws_com`, as with the official action.',
  },
  {
    name: 'docker_password_<host>',
    description:
      'The password for each registry logged in, named the same way. Masked unless ' +
      '`mask-password` is `false`.',
  },
];

const root = resolve(import.meta.dirname, '..');
const readmePath = join(root, 'README.md');
const check = process.argv.includes('--check');

const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'));
const inputs = Object.entries(action.inputs ?? {}).map(([name, input]) => ({
  name,
  default: input.default ?? '',
  description: input.description ?? '',
}));
const outputs = [
  ...Object.entries(action.outputs ?? {}).map(([name, output]) => ({
    name,
    description: output.description ?? '',
  })),
  ...DYNAMIC_OUTPUTS,
];
for (const { name, description } of [...inputs, ...outputs]) {
  if (cell(description) === '') fail(`action.yml: '${name}' has no description.`);
}

const tables = {
  inputs: await table(
    ['name', 'default', 'description'],
    inputs.map((i) => [
      code(i.name),
      i.default === '' ? 'empty' : code(i.default),
      cell(i.description),
    ]),
  ),
  outputs: await table(
    ['name', 'description'],
    outputs.map((o) => [code(o.name), cell(o.description)]),
  ),
};

const readme = readFileSync(readmePath, 'utf8');
let expected = readme;
const differences = [];
for (const [section, body] of Object.entries(tables)) {
  const start = `<!-- start ${section} -->`;
  const end = `<!-- end ${section} -->`;
  const from = expected.indexOf(start);
  const to = expected.indexOf(end, from);
  if (from < 0 || to < 0) fail(`README.md: the markers '${start}' and '${end}' are missing.`);
  const current = expected.slice(from + start.length, to);
  const wanted = `\n\n<!-- prettier-ignore -->\n${body}\n\n`;
  if (current !== wanted) differences.push(...rowDifferences(section, current, wanted));
  expected = expected.slice(0, from + start.length) + wanted + expected.slice(to);
}

if (check) {
  if (expected !== readme) {
    console.error('README.md does not match action.yml:');
    for (const line of differences) console.error(`  ${line}`);
    console.error("Run 'npm run docs' to rewrite the tables.");
    process.exit(1);
  }
  console.log('README.md: the inputs and outputs tables match action.yml.');
} else if (expected !== readme) {
  writeFileSync(readmePath, expected);
  console.log('README.md: rewrote the inputs and outputs tables from action.yml.');
} else {
  console.log('README.md: the tables already match action.yml.');
}

/** A Markdown table, formatted as Prettier formats it in this repository. */
async function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const text = [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  const config = (await prettier.resolveConfig(readmePath)) ?? {};
  const options = { ...config, parser: 'markdown', proseWrap: 'never' };
  return (await prettier.format(text, options)).trimEnd();
}

/** One table cell from a description: lines joined, `|` escaped, `<` outside code escaped. */
function cell(description) {
  const joined = description
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
  return joined
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll('<', '\\<')))
    .join('')
    .replaceAll('|', '\\|');
}

function code(text) {
  return `\`${text}\``;
}

/** What differs between two versions of a table, one line per row, named by its first cell. */
function rowDifferences(section, current, wanted) {
  const rows = (text) =>
    new Map(
      text
        .split('\n')
        .filter((l) => l.startsWith('|') && !/^\|[\s|:-]+\|$/.test(l))
        .slice(1)
        .map((l) => [l.split('|')[1].trim().replaceAll('`', ''), l.replace(/ +/g, ' ')]),
    );
  const have = rows(current);
  const want = rows(wanted);
  const lines = [];
  for (const [name, row] of want) {
    if (!have.has(name)) lines.push(`${section}: ${name} is missing`);
    else if (have.get(name) !== row) lines.push(`${section}: ${name} differs`);
  }
  for (const name of have.keys()) {
    if (!want.has(name)) lines.push(`${section}: ${name} is not in action.yml`);
  }
  if (lines.length === 0) lines.push(`${section}: the layout of the table differs`);
  return lines;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}
