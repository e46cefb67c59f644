// The main step's logic, as GitHub's local-action runner and the typescript-action template
// expect it: this module exports run() and does nothing when imported; src/index.ts calls it.
export { run } from './action.ts';
