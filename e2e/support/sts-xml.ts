// STS's Query API answers: the XML of AssumeRole(WithWebIdentity)Response and ErrorResponse,
// with the request ID in the body and in x-amzn-requestid.
import type { ServerResponse } from 'node:http';
import type { IssuedCredentials, StsRequest } from './sts.ts';
import { roleName, type StsError } from './sts-checks.ts';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${String(c.charCodeAt(0))};`);
const el = (name: string, ...inner: string[]) => `<${name}>${inner.join('')}</${name}>`;

/** ecr-auth's (JSON protocol) error types as STS's Query API names them. */
export const STS_CODES: Partial<Record<string, string>> = {
  UnrecognizedClientException: 'InvalidClientTokenId',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
};

/** The Response of `record`'s action, giving `c`. */
export function resultXml(record: StsRequest, c: IssuedCredentials, id: string): string {
  const action = record.action;
  const web = action === 'AssumeRoleWithWebIdentity';
  const claims = record.claims ?? {};
  const credentials = el(
    'Credentials',
    el('AccessKeyId', c.accessKeyId),
    el('SecretAccessKey', xml(c.secretAccessKey)),
    el('SessionToken', xml(c.sessionToken)),
    el('Expiration', c.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')),
  );
  const user = el(
    'AssumedRoleUser',
    el(
      'AssumedRoleId',
      `AROAE2E${roleName(c.roleArn).toUpperCase().slice(0, 12)}:${xml(record.sessionName ?? '')}`,
    ),
    el('Arn', xml(c.arn)),
  );
  const identity = web
    ? el('SubjectFromWebIdentityToken', xml(String(claims.sub))) +
      el('Audience', xml(String(claims.aud))) +
      el(
        'Provider',
        `arn:aws:iam::${c.accountId}:oidc-provider/token.actions.githubusercontent.com`,
      )
    : '';
  const result = el(`${action}Result`, identity, user, credentials);
  const meta = el('ResponseMetadata', el('RequestId', id));
  return `<${action}Response xmlns="${NS}">${result}${meta}</${action}Response>`;
}

export const errorXml = (e: StsError, id: string) =>
  `<ErrorResponse xmlns="${NS}">` +
  el('Error', el('Type', e.type), el('Code', e.code), el('Message', xml(e.message))) +
  el('RequestId', id) +
  '</ErrorResponse>';

/** Answers with the XML `body` makes for a new request ID, which the header also carries. */
export function sendXml(res: ServerResponse, status: number, body: (id: string) => string): void {
  const id = crypto.randomUUID();
  const text = body(id);
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': id,
  });
  res.end(text);
}
