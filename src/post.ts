// The post step's logic: exports run() and does nothing when imported; src/post-index.ts calls it.
export { post as run } from './cleanup.ts';
