import type { IncomingHttpHeaders } from 'node:http';
import { type AwsError, invalidSignature, unrecognizedClient } from './ecr-errors.ts';
import type { EcrService } from './ecr-tokens.ts';
import {
  parseAmzDate,
  parseAuthorization,
  type ParsedAuth,
  type TestCredentials,
} from './sigv4.ts';
import { verifySignature } from './sigv4.ts';

export interface AuthInput {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  credentials: TestCredentials[];
  /** Regions the endpoint serves; any region when omitted. */
  regions?: string[] | undefined;
}

export interface AuthResult {
  auth: ParsedAuth | undefined;
  credentials: TestCredentials | undefined;
  signatureValid: boolean;
  /** Why the request is refused; undefined when authentication passed. */
  error: AwsError | undefined;
}

const MAX_SKEW_MS = 15 * 60_000;

/** Authenticates a request like AWS: known key, session token, SigV4 signature, date, scope. */
export async function authenticate(
  input: AuthInput,
  service: EcrService | 'sts' | undefined,
): Promise<AuthResult> {
  const auth = parseAuthorization(input.headers.authorization);
  const cred = input.credentials.find((c) => c.accessKeyId === auth?.accessKeyId);
  const result = (error: AwsError | undefined, signatureValid = false): AuthResult => ({
    auth,
    credentials: cred,
    signatureValid,
    error,
  });
  if (!auth) {
    const message = 'Missing Authentication Token';
    return result({ status: 403, type: 'MissingAuthenticationTokenException', message });
  }
  if (!cred) return result(unrecognizedClient());
  const reason = await verifySignature({ ...input, auth, secretAccessKey: cred.secretAccessKey });
  if (reason) return result(invalidSignature(reason));
  if (input.headers['x-amz-security-token'] !== cred.sessionToken) {
    return result(unrecognizedClient(), true);
  }
  const signedAt = parseAmzDate(String(input.headers['x-amz-date'])) ?? new Date(0);
  if (Math.abs(Date.now() - signedAt.getTime()) > MAX_SKEW_MS) {
    return result(invalidSignature('Signature expired.'), true);
  }
  if (service && auth.service !== service) {
    const message = `Credential should be scoped to correct service: '${service}'.`;
    return result(invalidSignature(message), true);
  }
  const regions = service === 'ecr-public' ? ['us-east-1'] : input.regions;
  if (regions && !regions.includes(auth.region)) {
    const message = `Credential should be scoped to a valid region, not '${auth.region}'.`;
    return result(invalidSignature(message), true);
  }
  return result(undefined, true);
}
