// Entry point of the post step (dist/post).
import { endWhenDone } from './end.ts';
import { run } from './post.ts';

await run();
endWhenDone();
