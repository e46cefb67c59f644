// Entry point of the main step (dist/main).
import { run } from './main.ts';

await run();
