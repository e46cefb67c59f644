// Entry point of the main step (dist/main); with `--agent`, of the credential agent that
// `credential-helper: true` starts from the same bundle.
import { runAgent } from './agent.ts';
import { endWhenDone } from './end.ts';
import { run } from './main.ts';

if (process.argv[2] === '--agent') {
  await runAgent();
  process.exit(0);
} else {
  await run();
  endWhenDone();
}
