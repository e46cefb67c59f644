import { ECRPUBLICClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import { PUBLIC_REGION, PUBLIC_REGISTRY } from './constants.ts';
import { awsError } from './aws-errors.ts';
import { clientConfig, logRetries } from './aws-client.ts';
import { decodeToken } from './credential.ts';
import type { Credential } from './credential.ts';
import type { ApiOptions } from './aws-client.ts';

/** Fetches the ECR Public credential; loaded only when ECR Public is asked for. */
export async function fetchPublicCredential(options: ApiOptions): Promise<Credential> {
  const client = new ECRPUBLICClient({
    ...clientConfig(PUBLIC_REGION, options.proxy),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const watch = logRetries(client, 'ECR Public GetAuthorizationToken');
  try {
    const { deadline } = options;
    const sent = client.send(new GetAuthorizationTokenCommand({}), {
      abortSignal: deadline.signal,
    });
    const answer = await deadline.race(sent).catch((e: unknown) => {
      throw awsError(e, 'ecr-public', PUBLIC_REGION, watch, deadline);
    });
    const { authorizationToken: token, expiresAt } = answer.authorizationData ?? {};
    if (!token || !(expiresAt instanceof Date)) {
      throw new Error('ECR Public answered GetAuthorizationToken without a token or expiry.');
    }
    return {
      host: PUBLIC_REGISTRY,
      region: PUBLIC_REGION,
      expiresAt,
      ...decodeToken(token, options.maskPassword),
    };
  } finally {
    client.destroy();
  }
}
