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

/** Turns an error from a GetAuthorizationToken call into one that says what to do about it. */
export function awsError(error: unknown, service: Service, region: string): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const attempts = attemptsOf(error);
  const where = `${service === 'ecr' ? 'ECR' : 'ECR Public'} GetAuthorizationToken in ${region}`;
  let message: string;
  if (name === 'CredentialsProviderError' || NO_CREDENTIALS.test(detail)) {
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
