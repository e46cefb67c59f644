// GitHub's local-action runner imports an entry module and calls the run() it exports, as the
// typescript-action template lays it out; the bundles' entry files call it themselves.
import { expect, jest, test } from '@jest/globals';
import * as core from '../__fixtures__/core.ts';

jest.unstable_mockModule('@actions/core', () => core);

test('src/main.ts and src/post.ts export run() and do nothing when imported', async () => {
  const main = await import('../src/main.ts');
  const post = await import('../src/post.ts');
  expect(typeof main.run).toBe('function');
  expect(typeof post.run).toBe('function');
  expect(main.run).toBe((await import('../src/action.ts')).run);
  expect(post.run).toBe((await import('../src/cleanup.ts')).post);
  expect(core.events).toEqual([]);
});
