// `npm run standin`: a local stand-in of the ECR API and one registry, on fixed loopback ports
// and plain HTTP, for running the action from its sources with GitHub's local-action
// (`npm run local-action`, with the settings in .env.example), and for the workflow that runs
// the action on GitHub's runners. The registry is a real docker-registry where one is installed,
// else a small one in Node (support/node-registry.ts). Every API request is printed as a line
// `request <target> <status>`. Runs until Ctrl-C.
import { EcrEndpoint, TEST_CREDENTIALS } from './support/ecr-endpoint.ts';
import { startNodeRegistry } from './support/node-registry.ts';
import { which } from './support/prereqs.ts';
import { startRegistry } from './support/registry.ts';

/** What .env.example points at. */
export const STANDIN = {
  ecrPort: 4510,
  registryPort: 5510,
  account: '111111111111',
  password: 'local-action-demo-password',
} as const;

export interface StandIn {
  /** http://127.0.0.1:<port> of the ECR stand-in. */
  ecrUrl: string;
  /** 127.0.0.1:<port> of the registry, the host the action logs in to. */
  registryHost: string;
  /** The API requests answered so far. */
  requests: readonly { target: string; status: number }[];
  stop: () => Promise<void>;
}

/** Starts both on the given ports (0: any free one). */
export async function startStandIn(
  ports: { ecrPort: number; registryPort: number } = STANDIN,
): Promise<StandIn> {
  const registry = which('docker-registry')
    ? await startRegistry({
        password: STANDIN.password,
        ...(ports.registryPort ? { port: ports.registryPort } : {}),
      })
    : await startNodeRegistry(STANDIN.password, ports.registryPort);
  const endpoint = new EcrEndpoint({
    plainHttp: true,
    port: ports.ecrPort,
    auth: { [STANDIN.account]: { password: STANDIN.password, host: registry.host } },
  });
  const ecrUrl = await endpoint.start().catch(async (error: unknown) => {
    await registry.stop();
    throw error;
  });
  return {
    ecrUrl,
    registryHost: registry.host,
    requests: endpoint.requests,
    stop: async () => {
      await endpoint.stop();
      await registry.stop();
    },
  };
}

/** The environment the action needs to use the stand-in (what .env.example holds). */
export const standInEnv = (standIn: StandIn): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_ECR: standIn.ecrUrl,
  AWS_EC2_METADATA_DISABLED: 'true',
});

if (import.meta.main) {
  const standIn = await startStandIn();
  console.log(`ECR API stand-in: ${standIn.ecrUrl}`);
  console.log(`registry:         ${standIn.registryHost} (account ${STANDIN.account})`);
  console.log('Ready. In another terminal:  cp .env.example .env && npm run local-action');
  let printed = 0;
  const printer = setInterval(() => {
    for (const r of standIn.requests.slice(printed)) {
      console.log(`request ${r.target} ${String(r.status)}`);
    }
    printed = standIn.requests.length;
  }, 50);
  const stop = () => {
    clearInterval(printer);
    void standIn.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
}
