import * as net from 'node:net';

/*
 * The credential helper of `credential-helper: true` (dist/helper, run as
 * `docker-credential-ecr-login-<run>`): docker, podman, buildah and skopeo run it with `get` and
 * the registry on stdin, as they run any docker credential helper; it asks the step's agent over
 * its socket and prints the credential on stdout, to the CLI that asked, and nowhere else. It
 * stores nothing: the agent holds the tokens.
 */

/**
 * agent.ts's NOT_FOUND, written again rather than imported: the helper imports nothing of the
 * action (agent.ts would bring the AWS SDK), so it starts fast for every pull and push.
 */
const NOT_FOUND = 'credentials not found in native keychain';
const TIMEOUT_MS = 30_000;

async function readAll(input: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Asks the agent for `serverUrl`'s credential; what it answered, or an error to say. */
export function ask(
  socket: string,
  serverUrl: string,
): Promise<{ username: string; secret: string } | { error: string }> {
  return new Promise((resolve) => {
    let text = '';
    const connection = net.connect(socket);
    connection.setEncoding('utf8');
    connection.setTimeout(TIMEOUT_MS, () => {
      connection.destroy();
      resolve({ error: 'the ECR login agent did not answer in time' });
    });
    // No agent (the job's post step stopped it): nothing is known for this host.
    connection.on('error', () => {
      resolve({ error: NOT_FOUND });
    });
    connection.on('data', (chunk: string) => (text += chunk));
    connection.on('end', () => {
      try {
        resolve(JSON.parse(text) as { username: string; secret: string } | { error: string });
      } catch {
        resolve({ error: 'the ECR login agent answered something other than JSON' });
      }
    });
    connection.end(`${JSON.stringify({ get: serverUrl })}\n`);
  });
}

/**
 * The helper protocol (docker-credential-helpers): `get` prints `{ServerURL, Username, Secret}`;
 * `list` prints an empty map; `erase` succeeds with nothing to erase; `store` fails, as the tokens
 * come from the agent alone. An error is printed on stdout, as the protocol has it.
 */
export async function helper(
  argv: string[],
  stdin: AsyncIterable<unknown> = process.stdin,
  stdout: { write: (text: string) => unknown } = process.stdout,
): Promise<number> {
  const [socket = '', action = ''] = argv;
  const input = await readAll(stdin);
  if (action === 'get') {
    const answer = await ask(socket, input);
    if ('error' in answer) {
      stdout.write(`${answer.error}\n`);
      return 1;
    }
    const { username, secret } = answer;
    stdout.write(JSON.stringify({ ServerURL: input, Username: username, Secret: secret }));
    return 0;
  }
  if (action === 'list') {
    stdout.write('{}');
    return 0;
  }
  if (action === 'erase') return 0;
  stdout.write(
    action === 'store'
      ? 'this helper serves the ECR login agent of the job and stores no credential\n'
      : `unknown action '${action}': expected get, list, erase or store\n`,
  );
  return 1;
}
