// The usual start of a test file that runs the action against one World throughout: Jest hooks
// around startWorld (world.ts). Kept apart from world.ts, which demo.ts loads under plain node,
// where @jest/globals cannot be imported.
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { checkPrereqs } from './prereqs.ts';
import { startWorld, type RegistrySpec, type World } from './world.ts';

export interface UseWorldOptions {
  /** Time allowed for starting the world (default 30 s). */
  timeoutMs?: number;
  /** world.reset() before each test (default true). */
  resetEachTest?: boolean;
}

/**
 * Checks the prerequisites now; starts a World for `specs` before the file's tests, resets it
 * before each test and stops it after them. The object returned is that world once the first
 * beforeAll has run (hooks the file declares after this call run after these).
 */
export function useWorld(specs: RegistrySpec[], opts: UseWorldOptions = {}): World {
  checkPrereqs();
  const world = {} as World;
  beforeAll(async () => {
    Object.assign(world, await startWorld(specs));
  }, opts.timeoutMs ?? 30_000);
  afterAll(async () => {
    await world.stop();
  });
  if (opts.resetEachTest ?? true) {
    beforeEach(() => {
      world.reset();
    });
  }
  return world;
}
