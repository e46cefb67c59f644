import { describe, expect, test } from '@jest/globals';
import { Deadline } from '../src/aws-client.ts';
import { awsError } from '../src/aws-errors.ts';
import { errorMessage } from '../src/errors.ts';
import type { Service } from '../src/aws-errors.ts';

/** An error shaped like an AWS SDK service exception. */
function sdkError(name: string, message: string, attempts?: number): Error {
  const error = new Error(message);
  error.name = name;
  return attempts === undefined ? error : Object.assign(error, { $metadata: { attempts } });
}

describe('awsError', () => {
  test.each<[string, Error]>([
    ['a CredentialsProviderError', sdkError('CredentialsProviderError', 'no provider worked')],
    [
      'an error saying credentials could not be loaded',
      sdkError('Error', 'Could not load credentials from any providers'),
    ],
    ['an error saying a credential is missing', sdkError('TypeError', 'Credential is missing')],
    ['an error saying credentials were not found', sdkError('Error', 'credentials not found')],
  ])('%s → no credentials, pointing at configure-aws-credentials', (_name, error) => {
    expect(awsError(error, 'ecr', 'us-east-1').message).toBe(
      'No AWS credentials were found for ECR GetAuthorizationToken in us-east-1. ' +
        'Configure them in an earlier step, e.g. with aws-actions/configure-aws-credentials ' +
        '(for OIDC, grant `id-token: write`).',
    );
  });

  test.each([
    'UnrecognizedClientException',
    'InvalidClientTokenId',
    'InvalidSignatureException',
    'SignatureDoesNotMatch',
    'IncompleteSignatureException',
    'ExpiredTokenException',
    'ExpiredToken',
  ])('%s → bad credentials, naming the error', (name) => {
    expect(awsError(sdkError(name, 'the token is bad'), 'ecr', 'eu-west-1').message).toBe(
      `The AWS credentials were rejected by ECR GetAuthorizationToken in eu-west-1 (${name}: ` +
        'the token is bad). Check the access key ID, secret key and session token, and that ' +
        'they have not expired.',
    );
  });

  const DENIED =
    'Access denied to ECR GetAuthorizationToken in us-east-1 (User x is not authorized).';
  test.each<[string, Service, string]>([
    [
      'AccessDeniedException',
      'ecr',
      `${DENIED} The IAM principal needs ecr:GetAuthorizationToken on resource "*".`,
    ],
    [
      'AccessDenied',
      'ecr',
      `${DENIED} The IAM principal needs ecr:GetAuthorizationToken on resource "*".`,
    ],
    [
      'UnauthorizedOperation',
      'ecr',
      `${DENIED} The IAM principal needs ecr:GetAuthorizationToken on resource "*".`,
    ],
    [
      'AccessDeniedException',
      'ecr-public',
      'Access denied to ECR Public GetAuthorizationToken in us-east-1 (User x is not authorized). ' +
        'The IAM principal needs ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken ' +
        'on resource "*".',
    ],
  ])('%s from %s → access denied, naming the permissions', (name, service, expected) => {
    const error = sdkError(name, 'User x is not authorized');
    expect(awsError(error, service, 'us-east-1').message).toBe(expected);
  });

  test.each<[string, number | undefined, number]>([
    ['ThrottlingException', 3, 3],
    ['Throttling', 5, 5],
    ['TooManyRequestsException', 2, 2],
    ['RequestLimitExceeded', undefined, 1],
  ])('%s after %s attempts → throttled, with the attempt count', (name, attempts, shown) => {
    expect(awsError(sdkError(name, 'slow down', attempts), 'ecr', 'ap-south-1').message).toBe(
      `ECR GetAuthorizationToken in ap-south-1 was still throttled after ${shown} attempts ` +
        `(${name}: slow down).`,
    );
  });

  test('an unknown error keeps its name, message and attempts', () => {
    expect(
      awsError(sdkError('InternalFailure', 'boom', 2), 'ecr-public', 'us-east-1').message,
    ).toBe(
      'ECR Public GetAuthorizationToken in us-east-1 failed after 2 attempt(s): InternalFailure: boom',
    );
  });

  test('attempts that were never answered: the endpoint, the attempts and the limits', () => {
    const error = Object.assign(sdkError('TimeoutError', 'exceeded 10000 ms'), {
      $metadata: { attempts: 10 },
    });
    const watch = { endpoint: 'https://api.ecr.eu-west-1.amazonaws.com', attempts: 10 };
    expect(awsError(error, 'ecr', 'eu-west-1', watch).message).toBe(
      'ECR GetAuthorizationToken in eu-west-1 at https://api.ecr.eu-west-1.amazonaws.com timed out: ' +
        'none of 10 attempt(s) was answered (each may take 5 s to connect and 10 s to be answered). ' +
        'Check that the runner can reach that endpoint (or its proxy: HTTPS_PROXY, NO_PROXY).',
    );
  });

  test('the API phase out of time: the endpoint, the limit and the input that raises it', async () => {
    const deadline = new Deadline(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const watch = { endpoint: 'https://127.0.0.1:9', attempts: 3 };
    const message = awsError(
      sdkError('AbortError', 'aborted'),
      'ecr-public',
      'us-east-1',
      watch,
      deadline,
    ).message;
    expect(message).toBe(
      'ECR Public GetAuthorizationToken in us-east-1 at https://127.0.0.1:9 timed out: no answer ' +
        'within 0.001 s (3 attempt(s)). Check that the runner can reach that endpoint (or its ' +
        "proxy: HTTPS_PROXY, NO_PROXY), or raise 'api-timeout'.",
    );
    expect(awsError('x', 'ecr', 'eu-west-1', undefined, deadline).message).toBe(
      'ECR GetAuthorizationToken in eu-west-1 timed out: no answer within 0.001 s. Check that the ' +
        "runner can reach that endpoint (or its proxy: HTTPS_PROXY, NO_PROXY), or raise 'api-timeout'.",
    );
  });

  test('an error with $metadata but no attempts counts one attempt', () => {
    const error = Object.assign(sdkError('ServerException', 'oops'), { $metadata: {} });
    expect(awsError(error, 'ecr', 'us-east-1').message).toBe(
      'ECR GetAuthorizationToken in us-east-1 failed after 1 attempt(s): ServerException: oops',
    );
  });

  test.each<[string, unknown, string]>([
    ['a string', 'socket hang up', 'Error: socket hang up'],
    ['null', null, 'Error: null'],
  ])('a thrown non-Error (%s) is shown as text', (_name, thrown, shown) => {
    expect(awsError(thrown, 'ecr', 'us-east-1').message).toBe(
      `ECR GetAuthorizationToken in us-east-1 failed after 1 attempt(s): ${shown}`,
    );
  });

  test.each<[string, unknown]>([
    ['an SDK error', sdkError('AccessDeniedException', 'no')],
    ['a string', 'socket hang up'],
  ])('keeps %s as the cause', (_name, thrown) => {
    const error = awsError(thrown, 'ecr', 'us-east-1');
    expect(error).toBeInstanceOf(Error);
    expect(error.cause).toBe(thrown);
  });
});

describe('errorMessage', () => {
  test.each<[string, unknown, string]>([
    ['an Error', new Error('went wrong'), 'went wrong'],
    ['an Error subclass', new TypeError('bad type'), 'bad type'],
    ['a string', 'plain text', 'plain text'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
  ])('of %s', (_name, thrown, expected) => {
    expect(errorMessage(thrown)).toBe(expected);
  });
});
