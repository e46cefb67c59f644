import { ANSWER_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from './aws-client.ts';
import type { CallWatch, Deadline } from './aws-client.ts';
import { Input } from './constants.ts';

/** The AWS service whose GetAuthorizationToken failed. */
export type Service = 'ecr' | 'ecr-public';

const NO_CREDENTIALS = /could not load credentials|credential.*(missing|not found)/i;
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

const PERMISSIONS: Record<Service, string> = {
  ecr: 'ecr:GetAuthorizationToken',
  'ecr-public': 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken',
};

/**
 * Turns an error from a GetAuthorizationToken call into one that says what to do about it.
 * `watch` tells where the calls went; `deadline` whether the API phase ran out of time.
 */
export function awsError(
  error: unknown,
  service: Service,
  region: string,
  watch?: CallWatch,
  deadline?: Deadline,
): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const attempts = Math.max(attemptsOf(error), watch?.attempts ?? 0);
  const where = `${service === 'ecr' ? 'ECR' : 'ECR Public'} GetAuthorizationToken in ${region}`;
  const at = watch?.endpoint ? ` at ${watch.endpoint}` : '';
  const reach =
    'Check that the runner can reach that endpoint (or its proxy: HTTPS_PROXY, NO_PROXY)';
  let message: string;
  if (deadline?.signal.aborted) {
    message =
      `${where}${at} timed out: no answer within ${String(deadline.ms / 1000)} s` +
      `${watch?.attempts ? ` (${String(watch.attempts)} attempt(s))` : ''}. ${reach}, or raise ` +
      `'${Input.ApiTimeout}'.`;
  } else if (name === 'TimeoutError') {
    message =
      `${where}${at} timed out: none of ${String(attempts)} attempt(s) was answered (each may ` +
      `take ${String(CONNECT_TIMEOUT_MS / 1000)} s to connect and ${String(ANSWER_TIMEOUT_MS / 1000)} s ` +
      `to be answered). ${reach}.`;
  } else if (name === 'CredentialsProviderError' || NO_CREDENTIALS.test(detail)) {
    message =
      `No AWS credentials were found for ${where}. Configure them in an earlier step, ` +
      'e.g. with aws-actions/configure-aws-credentials (for OIDC, grant `id-token: write`).';
  } else if (BAD_CREDENTIALS.has(name)) {
    message =
      `The AWS credentials were rejected by ${where} (${name}: ${detail}). ` +
      'Check the access key ID, secret key and session token, and that they have not expired.';
  } else if (DENIED.has(name)) {
    message =
      `Access denied to ${where} (${detail}). ` +
      `The IAM principal needs ${PERMISSIONS[service]} on resource "*".`;
  } else if (THROTTLED.has(name)) {
    message = `${where} was still throttled after ${attempts} attempts (${name}: ${detail}).`;
  } else {
    message = `${where} failed after ${attempts} attempt(s): ${name}: ${detail}`;
  }
  return new Error(message, { cause: error });
}

function attemptsOf(error: unknown): number {
  if (typeof error === 'object' && error !== null && '$metadata' in error) {
    const metadata = (error as { $metadata?: { attempts?: number } }).$metadata;
    return metadata?.attempts ?? 1;
  }
  return 1;
}
