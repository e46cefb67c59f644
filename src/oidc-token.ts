/**
 * GitHub's OIDC token for an audience, from @actions/core's getIDToken. The bundles leave out
 * the HTTP client @actions/core uses for it (and the proxy library behind that); dist/main/oidc.js, a build
 * of @actions/core of its own, is loaded only here. From the sources, @actions/core itself.
 */
export async function idToken(audience: string): Promise<string> {
  type Oidc = { getIDToken: (audience?: string) => Promise<string> };
  let oidc: Oidc;
  try {
    // @ts-expect-error -- built next to the bundle by scripts/build.mjs
    oidc = (await import(/* webpackIgnore: true */ './oidc.js')) as Oidc;
  } catch {
    oidc = await import('@actions/core');
  }
  return oidc.getIDToken(audience);
}

/** The `aud` and `sub` claims of a JWT, read without checking it: for messages only. */
export function claimsOf(token: string): { aud: string; sub: string } {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      aud?: unknown;
      sub?: unknown;
    };
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const aud = Array.isArray(payload.aud) ? payload.aud.map(text).join(',') : text(payload.aud);
    return { aud, sub: text(payload.sub) };
  } catch {
    return { aud: '', sub: '' };
  }
}
