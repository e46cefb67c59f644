export type EcrService = 'ecr' | 'ecr-public';

export interface RegistryAuth {
  password: string;
  /** Host for proxyEndpoint, e.g. 127.0.0.1:5000 (defaults to the real ECR host name). */
  host?: string;
}

export interface AuthQuery {
  service: EcrService;
  region: string;
  /** The 12-digit registry (account) ID; 'public' for ECR Public. */
  registryId: string;
}

/** Keys: `<region>/<registryId>` or `<registryId>`; ECR Public uses registryId 'public'. */
export type AuthTable = Record<string, RegistryAuth>;
export type AuthResolver = (q: AuthQuery) => RegistryAuth | undefined;

export function defaultAuth(q: AuthQuery): Required<RegistryAuth> {
  if (q.service === 'ecr-public') return { password: 'pw-public', host: 'public.ecr.aws' };
  const host = `${q.registryId}.dkr.ecr.${q.region}.amazonaws.com`;
  return { password: `pw-${q.registryId}-${q.region}`, host };
}

export function lookupAuth(
  auth: AuthTable | AuthResolver | undefined,
  q: AuthQuery,
): Required<RegistryAuth> {
  const found =
    typeof auth === 'function'
      ? auth(q)
      : (auth?.[`${q.region}/${q.registryId}`] ?? auth?.[q.registryId]);
  return { ...defaultAuth(q), ...found };
}

export const encodeToken = (password: string) => Buffer.from(`AWS:${password}`).toString('base64');

/** The config.json / containers-auth.json content of logins: host → base64("AWS:<password>"). */
export const authsOf = (logins: Record<string, string>) => ({
  auths: Object.fromEntries(
    Object.entries(logins).map(([host, password]) => [host, { auth: encodeToken(password) }]),
  ),
});

/** The GetAuthorizationToken response body: one entry per registry ID for ECR, one for Public. */
export function authorizationResponse(
  service: EcrService,
  region: string,
  registryIds: string[],
  auth: AuthTable | AuthResolver | undefined,
  lifetimeSeconds: number,
) {
  const expiresAt = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  if (service === 'ecr-public') {
    const { password } = lookupAuth(auth, { service, region, registryId: 'public' });
    return { authorizationData: { authorizationToken: encodeToken(password), expiresAt } };
  }
  return {
    authorizationData: registryIds.map((registryId) => {
      const { password, host } = lookupAuth(auth, { service, region, registryId });
      return {
        authorizationToken: encodeToken(password),
        expiresAt,
        proxyEndpoint: `https://${host}`,
      };
    }),
  };
}
