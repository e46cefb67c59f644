import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { TestCerts } from './certs.ts';
import { authenticate } from './ecr-auth.ts';
import {
  type AwsError,
  type FailureKind,
  injectedError,
  sendError,
  sendJson,
} from './ecr-errors.ts';
import { authorizationResponse, type AuthResolver, type AuthTable } from './ecr-tokens.ts';
import type { EcrService } from './ecr-tokens.ts';
import { closeServer, sleep } from './proc.ts';
import type { TestCredentials } from './sigv4.ts';

export interface EcrEndpointOptions {
  /** The TLS certificate; not needed with plainHttp. */
  certs?: TestCerts;
  /** Accepted credentials; default [TEST_CREDENTIALS]. */
  credentials?: TestCredentials[];
  /**
   * More accepted credentials, read per request (those STS issues), each with its session token
   * and for its `accounts` only: a request for another registry is refused.
   */
  issued?: readonly TestCredentials[];
  /** The caller's account, used when a request names no registry IDs. */
  accountId?: string;
  /** Regions accepted in the credential scope (ECR Public: always us-east-1 only). */
  regions?: string[];
  auth?: AuthTable | AuthResolver;
  tokenLifetimeSeconds?: number;
  latencyMs?: number;
  /**
   * Rate limit: asked once per authenticated, valid request; false answers it with
   * ThrottlingException (400, `__type`) instead. See support/throttle.ts.
   */
  throttle?: { take: () => boolean };
  /** Plain HTTP instead of HTTPS (for a runner that cannot be told the test CA). */
  plainHttp?: boolean;
  /** Listen on this 127.0.0.1 port; an OS-chosen one when omitted. */
  port?: number;
}

export interface RecordedRequest {
  time: Date;
  target: string;
  service: EcrService | undefined;
  /** Region from the SigV4 credential scope. */
  region: string | undefined;
  registryIds: string[] | undefined;
  accessKeyId: string | undefined;
  signatureValid: boolean;
  status: number;
  errorType: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

export const TEST_CREDENTIALS: TestCredentials = {
  accessKeyId: 'AKIAE2ETESTKEY000001',
  secretAccessKey: 'e2eSecretKey/0000000000000000000000000+1',
};
export const DEFAULT_ACCOUNT = '123456789012';
const TARGETS: Partial<Record<string, EcrService>> = {
  'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken': 'ecr',
  'SpencerFrontendService.GetAuthorizationToken': 'ecr-public',
};
const BAD_ID =
  "Invalid parameter at 'registryIds' failed to satisfy constraint: " +
  "'Member must satisfy regular expression pattern: [0-9]{12}'";

/** A local HTTPS stand-in for the ECR and ECR Public GetAuthorizationToken APIs. */
export class EcrEndpoint {
  readonly requests: RecordedRequest[] = [];
  /** Injected failures, answered in order by the next requests. */
  readonly failures: FailureKind[] = [];
  latencyMs: number;
  url = '';
  private readonly opts: EcrEndpointOptions;
  private server: http.Server | undefined;

  constructor(opts: EcrEndpointOptions) {
    this.opts = opts;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  get accountId(): string {
    return this.opts.accountId ?? DEFAULT_ACCOUNT;
  }

  failNext(kind: FailureKind, count = 1): void {
    for (let i = 0; i < count; i++) this.failures.push(kind);
  }

  /** Listens on 127.0.0.1 (an OS-chosen port unless given); returns its https:// (or http://) URL. */
  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        sendError(res, { status: 500, type: 'ServerException', message: String(err) });
      });
    };
    let server: http.Server;
    if (this.opts.plainHttp) {
      server = http.createServer(handler);
    } else {
      if (this.opts.certs === undefined) throw new Error('The ECR stand-in needs certs for HTTPS.');
      const { cert: certPath, key: keyPath } = this.opts.certs;
      const [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
      server = https.createServer({ cert, key }, handler);
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, '127.0.0.1', resolve);
    });
    const scheme = this.opts.plainHttp ? 'http' : 'https';
    this.url = `${scheme}://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const target = String(req.headers['x-amz-target'] ?? '');
    const service = TARGETS[target];
    const credentials = [
      ...(this.opts.credentials ?? [TEST_CREDENTIALS]),
      ...(this.opts.issued ?? []),
    ];
    const input = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body };
    const authn = await authenticate(
      { ...input, credentials, regions: this.opts.regions },
      service,
    );
    const registryIds = parseRegistryIds(body);
    const record: RecordedRequest = {
      ...{ time: new Date(), target, service, region: authn.auth?.region, body },
      ...{ registryIds: registryIds ?? undefined, accessKeyId: authn.auth?.accessKeyId },
      ...{
        signatureValid: authn.signatureValid,
        status: 200,
        errorType: undefined,
        headers: req.headers,
      },
    };
    this.requests.push(record);
    const account = authn.credentials?.accountId ?? this.accountId;
    const injected = this.failures.shift();
    const action = `${service ?? 'ecr'}:GetAuthorizationToken`;
    const error: AwsError | undefined = injected
      ? injectedError(injected, action, account)
      : (authn.error ??
        requestError(req.method, service, target, registryIds) ??
        accountError(service, authn.credentials, registryIds ?? [account]) ??
        (this.opts.throttle?.take() === false
          ? injectedError('ThrottlingException', action, account)
          : undefined));
    if (error) {
      record.status = error.status;
      record.errorType = error.type;
      sendError(res, error);
      return;
    }
    const { auth, tokenLifetimeSeconds = 12 * 3600 } = this.opts;
    const region = authn.auth?.region ?? '';
    const ids = registryIds ?? [account];
    sendJson(
      res,
      200,
      authorizationResponse(service ?? 'ecr', region, ids, auth, tokenLifetimeSeconds),
    );
  }
}

/** Credentials limited to some accounts (an assumed role's) get no token for another one. */
function accountError(
  service: EcrService | undefined,
  credentials: TestCredentials | undefined,
  ids: string[],
): AwsError | undefined {
  const { accounts, arn } = credentials ?? {};
  const other = ids.find((id) => accounts && !accounts.includes(id));
  if (service !== 'ecr' || other === undefined) return undefined;
  const action = 'ecr:GetAuthorizationToken';
  const message =
    `User: ${arn ?? ''} is not authorized to perform: ${action} on registry ${other} ` +
    `because no identity-based policy allows the ${action} action`;
  return { status: 400, type: 'AccessDeniedException', message };
}

/** registryIds from the JSON body; null when the body is not JSON, undefined when absent. */
function parseRegistryIds(body: string): string[] | undefined | null {
  try {
    const parsed = (body === '' ? {} : JSON.parse(body)) as { registryIds?: unknown };
    return Array.isArray(parsed.registryIds) ? parsed.registryIds.map(String) : undefined;
  } catch {
    return null;
  }
}

function requestError(
  method: string | undefined,
  service: EcrService | undefined,
  target: string,
  ids: string[] | undefined | null,
): AwsError | undefined {
  if (method !== 'POST' || !service) {
    return { status: 400, type: 'UnknownOperationException', message: `Unknown target ${target}` };
  }
  if (ids === null) return { status: 400, type: 'SerializationException', message: 'Bad JSON' };
  if (ids?.some((id) => !/^\d{12}$/.test(id))) {
    return { status: 400, type: 'InvalidParameterException', message: BAD_ID };
  }
  return undefined;
}
