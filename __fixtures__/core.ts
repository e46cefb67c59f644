// A typed stand-in for @actions/core that records every call, in order, in `events`.
import { appendFile } from 'node:fs/promises';
import { jest } from '@jest/globals';
import type * as actionsCore from '@actions/core';

export const events: string[] = [];
export const inputs: Record<string, string> = {};
export const outputs: Record<string, string> = {};
export const state: Record<string, string> = {};
export const secrets: string[] = [];
export const logs: string[] = [];

export const getInput = jest.fn<typeof actionsCore.getInput>((name) => inputs[name] ?? '');
export const setSecret = jest.fn<typeof actionsCore.setSecret>((secret) => {
  secrets.push(secret);
  events.push(`setSecret:${secret}`);
});
export const setOutput = jest.fn<typeof actionsCore.setOutput>((name, value) => {
  outputs[name] = String(value);
  events.push(`setOutput:${name}`);
});
export const saveState = jest.fn<typeof actionsCore.saveState>((name, value) => {
  state[name] = String(value);
  events.push(`saveState:${name}`);
});
export const getState = jest.fn<typeof actionsCore.getState>((name) => state[name] ?? '');
const log =
  (kind: string) =>
  (message: string | Error): void => {
    const text = message instanceof Error ? message.message : message;
    logs.push(`${kind}: ${text}`);
    events.push(`${kind}:${text}`);
  };
export const info = jest.fn<typeof actionsCore.info>(log('info'));
export const debug = jest.fn<typeof actionsCore.debug>(log('debug'));
export const warning = jest.fn<typeof actionsCore.warning>(log('warning'));
export const error = jest.fn<typeof actionsCore.error>(log('error'));
export const notice = jest.fn<typeof actionsCore.notice>(log('notice'));
export const setFailed = jest.fn<typeof actionsCore.setFailed>(log('failed'));
export const startGroup = jest.fn<typeof actionsCore.startGroup>(log('group'));
export const endGroup = jest.fn<typeof actionsCore.endGroup>(() => events.push('endgroup'));
export const exportVariable = jest.fn<typeof actionsCore.exportVariable>((name, value) => {
  events.push(`exportVariable:${name}=${String(value)}`);
});
export const addedPaths: string[] = [];
export const addPath = jest.fn<typeof actionsCore.addPath>((dir) => {
  addedPaths.push(dir);
});
export const isDebug = jest.fn<typeof actionsCore.isDebug>(() => false);
/** GitHub's OIDC token: a JWT-shaped token whose payload names the audience asked for. */
export const getIDToken = jest.fn<typeof actionsCore.getIDToken>((audience) => {
  events.push(`getIDToken:${audience ?? ''}`);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { aud: audience, sub: 'repo:octo-org/octo-repo:ref:refs/heads/main' };
  return Promise.resolve(`${part({ alg: 'RS256' })}.${part(claims)}.signature`);
});

/** The job summary: what was added, written to GITHUB_STEP_SUMMARY as the real one appends it. */
export const summaryParts: string[] = [];
const summaryFake = {
  addHeading: (text: string) => {
    summaryParts.push(`# ${text}`);
    return summaryFake;
  },
  addTable: (rows: unknown[]) => {
    summaryParts.push(JSON.stringify(rows));
    return summaryFake;
  },
  addRaw: (text: string) => {
    summaryParts.push(text);
    return summaryFake;
  },
  write: async () => {
    await appendFile(process.env.GITHUB_STEP_SUMMARY ?? '', summaryParts.join('\n'));
    return summaryFake;
  },
};
export const summary = summaryFake as unknown as typeof actionsCore.summary;

/** Clears everything recorded, every call count, and every input, output and state value. */
export function reset(): void {
  jest.clearAllMocks();
  for (const record of [inputs, outputs, state]) {
    for (const key of Object.keys(record)) Reflect.deleteProperty(record, key);
  }
  events.length = 0;
  secrets.length = 0;
  addedPaths.length = 0;
  logs.length = 0;
  summaryParts.length = 0;
}
