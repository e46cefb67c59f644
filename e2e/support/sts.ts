// A local HTTPS stand-in for STS's Query API: AssumeRoleWithWebIdentity (unsigned, GitHub's OIDC
// token checked against the role's trust policy) and AssumeRole (SigV4 with service sts, the
// caller checked against the role). Each role's credentials are new per call, and the ECR
// stand-in accepts them, with their session token, for the role's account only.
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCerts } from './certs.ts';
import { authenticate } from './ecr-auth.ts';
import { DEFAULT_ACCOUNT, TEST_CREDENTIALS } from './ecr-endpoint.ts';
import type { JwtClaims } from './oidc.ts';
import type { TestCredentials } from './sigv4.ts';
import { accessDenied, checkParams, checkToken, decodeClaims, roleName } from './sts-checks.ts';
import { sender, trusts, type RoleSpec, type StsError } from './sts-checks.ts';
import { errorXml, resultXml, sendXml, STS_CODES } from './sts-xml.ts';
import { closeServer } from './proc.ts';

export type { RoleSpec } from './sts-checks.ts';

/** Credentials STS handed out: accepted by the ECR stand-in for `accounts` only. */
export interface IssuedCredentials extends Required<Omit<TestCredentials, 'accounts'>> {
  accounts: string[];
  roleArn: string;
  expiration: Date;
}

export interface StsRequest {
  time: Date;
  action: string;
  roleArn: string | undefined;
  sessionName: string | undefined;
  durationSeconds: number | undefined;
  /** The web identity token's claims, read whether or not it checks out. */
  claims: Partial<JwtClaims> | undefined;
  webIdentityToken: string | undefined;
  /** Who signed it (AssumeRole); undefined when unsigned. */
  accessKeyId: string | undefined;
  region: string | undefined;
  status: number;
  errorCode: string | undefined;
  /** What it was given, on a 200. */
  issued: IssuedCredentials | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StsEndpointOptions {
  certs: TestCerts;
  roles: RoleSpec[];
  /** The key GitHub's OIDC tokens are signed with (OidcIssuer.publicKey). */
  issuerKey: KeyObject;
  /** Credentials allowed to sign AssumeRole besides those it issued; default [TEST_CREDENTIALS]. */
  credentials?: TestCredentials[];
  /** Gets the secret key and session token of each credential before it is handed out. */
  onMint?: (secrets: string[]) => void;
}

/** Credentials minted ahead, so that a run can be told every secret it may be given. */
const AHEAD = 16;
const JOB_USER = `arn:aws:iam::${DEFAULT_ACCOUNT}:user/e2e`;
const keyId = () =>
  `ASIA${Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.charAt(b % 32)).join('')}`;

export class StsEndpoint {
  readonly requests: StsRequest[] = [];
  /** Every credential handed out, live: the ECR stand-in reads it per request. */
  readonly issued: IssuedCredentials[] = [];
  url = '';
  private readonly ahead: Pick<
    IssuedCredentials,
    'accessKeyId' | 'secretAccessKey' | 'sessionToken'
  >[] = [];
  private readonly opts: StsEndpointOptions;
  private server: https.Server | undefined;

  constructor(opts: StsEndpointOptions) {
    this.opts = opts;
    while (this.ahead.length < AHEAD) this.mint();
  }

  /** Listens on 127.0.0.1; returns its https:// URL (AWS_ENDPOINT_URL_STS). */
  async start(): Promise<string> {
    const [cert, key] = await Promise.all([
      readFile(this.opts.certs.cert),
      readFile(this.opts.certs.key),
    ]);
    const server = https.createServer({ cert, key }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const error = { ...sender(500, 'InternalFailure', String(err)), type: 'Receiver' as const };
        sendXml(res, 500, (id) => errorXml(error, id));
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.url = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private mint(): void {
    const minted = {
      accessKeyId: keyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(330).toString('base64')}`,
    };
    this.ahead.push(minted);
    this.opts.onMint?.([minted.secretAccessKey, minted.sessionToken]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const params = new URLSearchParams(req.method === 'POST' ? body : path.split('?')[1]);
    const token = params.get('WebIdentityToken') ?? undefined;
    const duration = params.get('DurationSeconds');
    const record: StsRequest = {
      ...{ time: new Date(), action: params.get('Action') ?? '', headers: req.headers, body },
      ...{ roleArn: params.get('RoleArn') ?? undefined, region: undefined, status: 200 },
      sessionName: params.get('RoleSessionName') ?? undefined,
      durationSeconds: duration === null ? undefined : Number(duration),
      ...{ claims: token === undefined ? undefined : decodeClaims(token), webIdentityToken: token },
      ...{ accessKeyId: undefined, errorCode: undefined, issued: undefined },
    };
    this.requests.push(record);
    const answer = await this.answer(record, params, { method: req.method ?? '', path, body });
    record.status = 'code' in answer ? answer.status : 200;
    if ('code' in answer) {
      record.errorCode = answer.code;
      sendXml(res, answer.status, (id) => errorXml(answer, id));
    } else {
      record.issued = answer;
      sendXml(res, 200, (id) => resultXml(record, answer, id));
    }
  }

  /** The credentials the request gets, or why not. */
  private async answer(
    record: StsRequest,
    params: URLSearchParams,
    request: { method: string; path: string; body: string },
  ): Promise<IssuedCredentials | StsError> {
    const { action } = record;
    if (params.get('Version') !== '2011-06-15' || !/^AssumeRole(WithWebIdentity)?$/.test(action)) {
      return sender(
        400,
        'InvalidAction',
        `Could not find operation ${action} for version ${params.get('Version') ?? ''}`,
      );
    }
    const web = action === 'AssumeRoleWithWebIdentity';
    const role = this.opts.roles.find((r) => r.arn === record.roleArn);
    if (web) {
      const invalid =
        checkParams(params, true) ?? checkToken(record.webIdentityToken ?? '', this.opts.issuerKey);
      if (invalid) return invalid;
      if (!role || !trusts(role, record.claims ?? {})) {
        return accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
      }
      return this.issue(role, record);
    }
    const credentials = [...(this.opts.credentials ?? [TEST_CREDENTIALS]), ...this.issued];
    const authn = await authenticate({ ...request, headers: record.headers, credentials }, 'sts');
    record.accessKeyId = authn.auth?.accessKeyId;
    record.region = authn.auth?.region;
    if (authn.error)
      return sender(
        authn.error.status,
        STS_CODES[authn.error.type] ?? authn.error.type,
        authn.error.message,
      );
    const invalid = checkParams(params, false);
    if (invalid) return invalid;
    if (!role?.callers?.includes(record.accessKeyId ?? '')) {
      const caller = authn.credentials?.arn ?? JOB_USER;
      return accessDenied(
        `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${record.roleArn ?? ''}`,
      );
    }
    return this.issue(role, record);
  }

  private issue(role: RoleSpec, record: StsRequest): IssuedCredentials | StsError {
    const seconds = record.durationSeconds ?? 3600;
    if (seconds > (role.maxSessionSeconds ?? 3600)) {
      return sender(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    this.mint();
    const minted = this.ahead.shift();
    if (!minted) throw new Error('no credentials minted');
    const issued: IssuedCredentials = {
      ...minted,
      ...{ accountId: role.account, accounts: [role.account], roleArn: role.arn },
      arn: `arn:aws:sts::${role.account}:assumed-role/${roleName(role.arn)}/${record.sessionName ?? ''}`,
      expiration: new Date(Date.now() + seconds * 1000),
    };
    this.issued.push(issued);
    return issued;
  }
}
