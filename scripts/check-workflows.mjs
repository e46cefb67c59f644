// Validates action.yml and every workflow under .github/workflows with GitHub's own parser
// (@actions/workflow-parser: the schema and the expressions the runner accepts).
//
//   node scripts/check-workflows.mjs [DIR]    (DIR: a checkout; default: this one)
//
// The parser imports its JSON schemas without an import attribute, which Node refuses; a load
// hook hands Node those files as JSON.
import { readdirSync, readFileSync } from 'node:fs';
import { URL } from 'node:url';
import { registerHooks } from 'node:module';
import { join, resolve } from 'node:path';

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.endsWith('.json')) {
      return { format: 'json', source: readFileSync(new URL(url)), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
const { NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/action-parser');

const root = resolve(process.argv[2] ?? '.');
const workflows = join(root, '.github', 'workflows');
const files = [
  { path: 'action.yml', parse: parseAction },
  ...readdirSync(workflows)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ path: join('.github', 'workflows', name), parse: parseWorkflow })),
];
let failed = 0;
for (const { path, parse } of files) {
  const content = readFileSync(join(root, path), 'utf8');
  const result = parse({ name: path, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors();
  if (result.value === undefined && errors.length === 0) errors.push(`${path}: nothing parsed`);
  for (const error of errors) console.error(String(error));
  if (errors.length > 0) failed++;
}
if (failed > 0) {
  console.error(`${failed} of ${files.length} files are not valid.`);
  process.exit(1);
}
console.log(`action.yml and ${files.length - 1} workflows are valid.`);
