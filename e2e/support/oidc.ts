// The runner's OIDC token service on 127.0.0.1: what @actions/core's getIDToken asks for GitHub's
// OIDC token (GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud>, with the request token as a
// bearer), answered with an RS256 JWT as token.actions.githubusercontent.com issues them.
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './proc.ts';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const DEFAULT_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
/** The path and query of ACTIONS_ID_TOKEN_REQUEST_URL, as on the runner: it has a query already. */
const TOKEN_PATH = '/_apis/distributedtask/hubs/Actions/plans/e2e/jobs/e2e/idtoken';
const API_VERSION = '2.0';
const LIFETIME_SECONDS = 300;

/** The claims of a token, GitHub's own among them. */
export interface JwtClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  [claim: string]: unknown;
}

export interface TokenRequest {
  time: Date;
  /** The audience asked for; undefined when the request named none. */
  audience: string | undefined;
  apiVersion: string | null;
  /** Whether the bearer request token was the right one. */
  authorized: boolean;
  status: number;
  /** The token handed out, on a 200. */
  token: string | undefined;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The runner's token service; start() before use, stop() after. */
export class OidcIssuer {
  readonly requests: TokenRequest[] = [];
  /** `sub` of the tokens it issues. */
  sub = DEFAULT_SUB;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the bearer the service wants. */
  readonly requestToken = `e2e-oidc-request-${randomBytes(24).toString('hex')}`;
  readonly publicKey: KeyObject;
  readonly kid = randomUUID();
  url = '';
  private readonly privateKey: KeyObject;
  private server: http.Server | undefined;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /** The variables the runner gives a job with `permissions: id-token: write`. */
  get env(): Record<string, string> {
    return {
      ACTIONS_ID_TOKEN_REQUEST_URL: this.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: this.requestToken,
    };
  }

  /** A token for `aud` with this issuer's key, and `claims` over the usual ones. */
  issue(aud: string, claims: Partial<JwtClaims> = {}, key: KeyObject = this.privateKey): string {
    const iat = Math.floor(Date.now() / 1000);
    const payload: JwtClaims = {
      ...{ jti: randomUUID(), sub: this.sub, aud, iss: GITHUB_ISSUER },
      ...{ ref: 'refs/heads/main', repository: 'octo-org/octo-repo', repository_owner: 'octo-org' },
      ...{ run_id: '4242', event_name: 'push', runner_environment: 'github-hosted' },
      ...{ nbf: iat - 5, exp: iat + LIFETIME_SECONDS, iat },
      ...claims,
    };
    const header = { typ: 'JWT', alg: 'RS256', kid: this.kid };
    const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${signed}.${b64url(sign('sha256', Buffer.from(signed), key))}`;
  }

  /** Listens on 127.0.0.1; returns ACTIONS_ID_TOKEN_REQUEST_URL. */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const port = String((server.address() as AddressInfo).port);
    this.url = `http://127.0.0.1:${port}${TOKEN_PATH}?api-version=${API_VERSION}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: TokenRequest = {
      ...{ time: new Date(), audience: url.searchParams.get('audience') ?? undefined },
      apiVersion: url.searchParams.get('api-version'),
      authorized: req.headers.authorization === `Bearer ${this.requestToken}`,
      ...{ status: 200, token: undefined },
    };
    this.requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
    };
    if (req.method !== 'GET' || url.pathname !== TOKEN_PATH) {
      send(404, { message: 'Not Found' });
    } else if (!record.authorized) {
      send(401, { message: 'Unauthorized' });
    } else if (record.apiVersion !== API_VERSION) {
      send(400, { message: `Unsupported api-version '${record.apiVersion ?? ''}'` });
    } else {
      // Without an audience, GitHub's tokens are for the repository owner's URL.
      record.token = this.issue(record.audience ?? 'https://github.com/octo-org');
      send(200, { count: 1, value: record.token });
    }
  }
}
