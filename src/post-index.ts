// Entry point of the post step (dist/post).
import { run } from './post.ts';

await run();
