import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { Sha256, sha256Hex } from './sha256.ts';

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Account the credentials belong to; defaults to the endpoint's account. */
  accountId?: string;
  /** The registry accounts they may get tokens for (an assumed role's); any when omitted. */
  accounts?: string[];
  /** The principal, for messages (an assumed role's session ARN). */
  arn?: string;
}

export interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): ParsedAuth | undefined {
  const m = AUTH_RE.exec(header ?? '');
  if (!m) return undefined;
  const [, accessKeyId = '', date = '', region = '', service = '', signed = '', signature = ''] = m;
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}

/** Parses an X-Amz-Date value (20240102T030405Z). */
export function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

export interface VerifyInput {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  auth: ParsedAuth;
  secretAccessKey: string;
}

/**
 * Recomputes the SigV4 signature with @smithy/signature-v4 from exactly the headers the client
 * listed as signed, and compares it with the one it sent. Returns a reason when it does not match.
 */
export async function verifySignature(input: VerifyInput): Promise<string | undefined> {
  const { auth, headers } = input;
  const amzDate = String(headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(auth.date)) return 'X-Amz-Date is missing or invalid.';
  if (!auth.signedHeaders.includes('host')) return "'Host' must be a signed header.";
  const claimed = headers['x-amz-content-sha256'];
  if (typeof claimed === 'string' && claimed !== sha256Hex(input.body)) {
    return 'The provided x-amz-content-sha256 header does not match what was computed.';
  }
  const signed: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headers[name];
    if (value === undefined) return `Signed header ${name} is missing.`;
    signed[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const [pathname = '/', search = ''] = input.path.split('?', 2);
  const query = Object.fromEntries(new URLSearchParams(search));
  const token = signed['x-amz-security-token'];
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: auth.accessKeyId,
      secretAccessKey: input.secretAccessKey,
      ...(token === undefined ? {} : { sessionToken: token }),
    },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    {
      method: input.method,
      protocol: 'https:',
      hostname: 'ignored',
      path: pathname,
      query,
      headers: signed,
      body: input.body,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = parseAuthorization(resigned.headers.authorization)?.signature ?? '';
  const ok =
    expected.length === auth.signature.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
  return ok
    ? undefined
    : 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
}
