import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE_BIN = resolve(REPO_ROOT, 'node_modules/.bin/node');

export interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}

export interface ActionMetadata {
  dir: string;
  inputs: Record<string, ActionInput>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

/** Reads `<dir>/action.yml` (the repository root by default). */
/** The action's metadata; E2E_ACTION_DIR runs another checkout's action.yml and dist/. */
export async function loadAction(
  dir: string = process.env.E2E_ACTION_DIR || REPO_ROOT,
): Promise<ActionMetadata> {
  const doc = parse(await readFile(resolve(dir, 'action.yml'), 'utf8')) as Partial<ActionMetadata>;
  if (!doc.runs?.main || !doc.runs.using.startsWith('node')) {
    throw new Error(`${dir}/action.yml is not a node action`);
  }
  return { dir, inputs: doc.inputs ?? {}, runs: doc.runs };
}

/** INPUT_<NAME> as the runner sets it: upper-cased, spaces to '_', hyphens kept. */
export const inputEnvName = (name: string) => `INPUT_${name.replaceAll(' ', '_').toUpperCase()}`;

/** Whether `post-if` lets the post step run (default always()). */
export function postAllowed(postIf: string | undefined, mainExit: number | null): boolean {
  const expr = (postIf ?? 'always()').replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  if (expr === 'always()') return true;
  if (expr === 'success()') return mainExit === 0;
  if (expr === 'failure()') return mainExit !== 0;
  if (expr === 'cancelled()') return false;
  throw new Error(`Unsupported post-if expression: ${expr}`);
}
