// `npm run demo`: runs the committed bundle (dist/, Node 24) the way the GitHub runner does,
// against a local ECR API and two real docker registries, and shows what a user would see.
import { NODE_BIN } from './support/action-yml.ts';
import { runSteps } from './support/jobs.ts';
import { which } from './support/prereqs.ts';
import { startWorld, type World } from './support/world.ts';

const missing = ['docker', 'docker-registry', 'htpasswd', 'openssl'].filter((c) => !which(c));
if (missing.length > 0) {
  console.error(
    `The demo needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not on PATH.`,
  );
  console.error('Install them with:  scripts/install-prereqs.sh  (as root, or with sudo)');
  console.error('or, on Debian/Ubuntu: apt-get install docker-registry apache2-utils openssl');
  console.error('(and the docker CLI: docker-ce-cli or docker.io)');
  process.exit(1);
}

const REGION = 'eu-west-1';
const ACCOUNT = '111111111111';
const HOST = '222222222222.dkr.ecr.us-west-2.amazonaws.com';
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const section = (title: string) => {
  console.log(`\n${bold(`── ${title} `.padEnd(72, '─'))}`);
};
const indent = (text: string) => {
  for (const line of text.split('\n')) console.log(`  ${line}`);
};
const hostsOf = (config: unknown) =>
  Object.keys((config as { auths?: object } | undefined)?.auths ?? {});

let world: World | undefined;
const signalled = { now: false };
let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= world?.stop() ?? Promise.resolve());
const quit = () => void stop().finally(() => process.exit(130));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the local servers…`);
    signalled.now = true;
    // While the servers are still starting, `world` is not there yet: stop once it is.
    if (world) quit();
  });
}

try {
  const started = Date.now();
  world = await startWorld([
    { account: ACCOUNT, password: 'demo-registry-password-one' },
    { account: '222222222222', region: 'us-west-2', name: HOST, password: 'demo-password-two' },
  ]);
  if (signalled.now) quit();
  const setupMs = Date.now() - started;
  const [local = ''] = world.hosts;
  console.log(bold('Amazon ECR login — demo of the committed dist/ bundle'));
  console.log(`  node           ${NODE_BIN} (the runtime action.yml declares)`);
  console.log(`  ECR API        ${world.endpoint.url} (local; checks every SigV4 signature)`);
  console.log(
    `  registry 1     ${local}: a real registry (docker-registry), which the ECR stand-in names as account ${ACCOUNT}'s`,
  );
  console.log(
    `  registry 2     ${HOST}: a real registry reached under that name through a local forward proxy (HTTPS_PROXY), as docker would reach AWS's`,
  );
  console.log(`  with:          registries: ${ACCOUNT}, ${HOST}   region: ${REGION}`);

  const steps = await runSteps(world, {
    inputs: { registries: `${ACCOUNT}\n${HOST}`, region: REGION },
  });
  const { main, post } = steps;
  section(`main step (exit ${String(main.mainExit)}) — the workflow log, as masked by the runner`);
  indent(main.log);
  section('outputs');
  const mask = (value: string) => (main.masks.includes(value) ? '***' : value);
  for (const [name, value] of Object.entries(main.outputs)) indent(`${name} = ${mask(value)}`);
  section('config.json after main');
  indent(`credentials for: ${hostsOf(steps.after.main.config).join(', ') || '(none)'}`);
  const logins = steps.execs.filter((e) => e.args[1] === 'login');
  indent(
    `docker processes: ${String(logins.length)} × "docker login --username AWS --password-stdin <host>"`,
  );
  section(`post step (exit ${String(post?.postExit)})`);
  indent(post?.log ?? '(did not run)');
  section('config.json after post');
  const left = hostsOf(steps.after.post?.config);
  indent(`credentials for: ${left.join(', ') || '(none)'}`);
  const file = steps.after.post?.config;
  if (left.length === 0) indent(`file: ${file === undefined ? '(absent)' : JSON.stringify(file)}`);
  section('timings');
  const calls = world.endpoint.requests.map((r) => r.region ?? '?').join(', ');
  indent(
    `setup ${String(setupMs)} ms · main ${String(main.mainMs)} ms · post ${String(post?.postMs)} ms`,
  );
  indent(`GetAuthorizationToken calls: ${String(world.endpoint.requests.length)} (${calls})`);
  if (steps.leaks.length > 0) indent(`LEAKS: ${steps.leaks.join('; ')}`);
  const stored = hostsOf(steps.after.main.config);
  const problems = [
    ...(main.mainExit === 0 ? [] : [`the main step exited ${String(main.mainExit)}`]),
    ...(post?.postExit === 0 ? [] : [`the post step exited ${String(post?.postExit)}`]),
    ...world.hosts.filter((h) => !stored.includes(h)).map((h) => `no credential for ${h}`),
    ...left.map((h) => `${h} still logged in after the post step`),
    ...(steps.leaks.length > 0 ? ['a secret reached the log unmasked'] : []),
  ];
  console.log();
  console.log(
    problems.length === 0
      ? bold(`It worked: ${String(world.hosts.length)} registries logged in, then logged out.`)
      : bold(`It did not work: ${problems.join('; ')}.`),
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
} catch (error) {
  console.log();
  console.log(bold(`It did not work: ${error instanceof Error ? error.message : String(error)}`));
  process.exitCode = 1;
} finally {
  await stop();
}
