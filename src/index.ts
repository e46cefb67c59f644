// Entry point of the main step (dist/main).
import { run } from './main.ts';
import { endWhenDone } from './end.ts';

await run();
endWhenDone();
