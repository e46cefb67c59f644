// What STS checks before it hands out a role's credentials: the request's parameters, the web
// identity token (signature, issuer, expiry) and the role's trust policy for it.
import { verify, type KeyObject } from 'node:crypto';
import { GITHUB_ISSUER, type JwtClaims } from './oidc.ts';

/** An STS Query API error: `<ErrorResponse><Error><Type><Code><Message>`. */
export interface StsError {
  status: number;
  type: 'Sender' | 'Receiver';
  code: string;
  message: string;
}

/** A role the stand-in knows, and who may assume it. */
export interface RoleSpec {
  /** arn:aws:iam::<account>:role/<name> */
  arn: string;
  /** The account whose registries its credentials may log in to. */
  account: string;
  /**
   * The trust policy for GitHub's OIDC tokens: token.actions.githubusercontent.com:aud equal to
   * `aud`, and :sub like `sub` (`*` any characters, `?` one).
   */
  trust: { aud: string; sub: string };
  /** Access key IDs allowed to AssumeRole it (role chaining); nobody when omitted. */
  callers?: string[];
  /** The role's MaxSessionDuration; 3600 (IAM's default) when omitted. */
  maxSessionSeconds?: number;
}

export const sender = (status: number, code: string, message: string): StsError => ({
  ...{ status, type: 'Sender', code, message },
});
export const accessDenied = (message: string) => sender(403, 'AccessDenied', message);
const invalidToken = (message: string) => sender(400, 'InvalidIdentityToken', message);
const validation = (value: string, field: string, constraint: string) =>
  sender(
    400,
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ` +
      `Member must ${constraint}`,
  );

/** The name in a role ARN (its last path segment). */
export const roleName = (arn: string) => arn.split('/').at(-1) ?? '';

/** Whether `value` is like `pattern`, as IAM's StringLike: `*` any characters, `?` one. */
export function like(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/** The claims of a JWT, read without checking it; undefined when it is not a JWT. */
export function decodeClaims(token: string): Partial<JwtClaims> | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<JwtClaims>;
  } catch {
    return undefined;
  }
}

/** Checks a token as STS does for an OIDC provider whose signing key is `key`. */
export function checkToken(token: string, key: KeyObject): StsError | undefined {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const claims = decodeClaims(token);
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    alg = undefined;
  }
  if (!claims || token.split('.').length !== 3 || alg !== 'RS256') {
    return invalidToken('The web identity token is not a well-formed RS256 JWT.');
  }
  if (claims.iss !== GITHUB_ISSUER) {
    return invalidToken(
      `No OpenIDConnect provider found in your account for ${String(claims.iss)}`,
    );
  }
  const data = Buffer.from(`${header}.${payload}`);
  if (!verify('sha256', data, key, Buffer.from(signature, 'base64url'))) {
    return invalidToken(
      'The signature of the web identity token does not match its issuer’s keys.',
    );
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) {
    return sender(
      400,
      'ExpiredTokenException',
      `Token expired: current date/time ${String(now)} must be before the expiration date/time ` +
        String(claims.exp),
    );
  }
  return undefined;
}

/** The trust policy's verdict on a token already checked with checkToken. */
export function trusts(role: RoleSpec, claims: Partial<JwtClaims>): boolean {
  return claims.aud === role.trust.aud && like(role.trust.sub, String(claims.sub));
}

/** The parameters STS validates before anything else (its ValidationError messages). */
export function checkParams(params: URLSearchParams, token: boolean): StsError | undefined {
  const arn = params.get('RoleArn');
  const session = params.get('RoleSessionName');
  if (arn === null) return validation('null', 'roleArn', 'not be null');
  if (arn.length < 20) return validation(arn, 'roleArn', 'have length greater than or equal to 20');
  if (session === null) return validation('null', 'roleSessionName', 'not be null');
  if (session.length < 2 || session.length > 64) {
    const bound = session.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64';
    return validation(session, 'roleSessionName', `have length ${bound}`);
  }
  if (!/^[\w+=,.@-]*$/.test(session)) {
    return validation(
      session,
      'roleSessionName',
      'satisfy regular expression pattern: [\\w+=,.@-]*',
    );
  }
  const duration = params.get('DurationSeconds');
  if (duration !== null) {
    const n = Number(duration);
    if (!Number.isInteger(n) || n < 900) {
      return validation(duration, 'durationSeconds', 'have value greater than or equal to 900');
    }
    if (n > 43200) {
      return validation(duration, 'durationSeconds', 'have value less than or equal to 43200');
    }
  }
  const webToken = params.get('WebIdentityToken');
  if (token && (webToken ?? '').length < 4) {
    return validation(
      webToken ?? 'null',
      'webIdentityToken',
      'have length greater than or equal to 4',
    );
  }
  return undefined;
}
