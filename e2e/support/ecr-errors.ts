import type { ServerResponse } from 'node:http';

export const JSON_11 = 'application/x-amz-json-1.1';

/** Failures a test can inject into the fake ECR endpoint. */
export type FailureKind =
  | 'ThrottlingException'
  | 'ServiceUnavailable'
  | 'AccessDeniedException'
  | 'UnrecognizedClientException';

export interface AwsError {
  status: number;
  type: string;
  message: string;
}

export function injectedError(kind: FailureKind, action: string, accountId: string): AwsError {
  switch (kind) {
    case 'ThrottlingException':
      return { status: 400, type: kind, message: 'Rate exceeded' };
    case 'ServiceUnavailable':
      return { status: 503, type: kind, message: 'Service Unavailable' };
    case 'AccessDeniedException':
      return {
        status: 400,
        type: kind,
        message:
          `User: arn:aws:iam::${accountId}:user/x is not authorized to perform: ${action} ` +
          `on resource: * because no identity-based policy allows the ${action} action`,
      };
    case 'UnrecognizedClientException':
      return unrecognizedClient();
  }
}

export const unrecognizedClient = (): AwsError => ({
  status: 403,
  type: 'UnrecognizedClientException',
  message: 'The security token included in the request is invalid.',
});

export const invalidSignature = (message: string): AwsError => ({
  status: 403,
  type: 'InvalidSignatureException',
  message,
});

/** Writes an AWS JSON 1.1 error: __type in the body and the x-amzn-errortype header. */
export function sendError(res: ServerResponse, err: AwsError): void {
  sendJson(
    res,
    err.status,
    { __type: err.type, message: err.message },
    {
      'x-amzn-errortype': err.type,
    },
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    ...headers,
  });
  res.end(text);
}
