import type { AwsCredentialIdentity } from '@smithy/types';
import type { Deadline } from './aws-client.ts';
import type { RoleSettings } from './inputs.ts';
import { idToken } from './oidc-token.ts';
import type { ProxyEnv } from './proxy.ts';

/**
 * The roles of one step: each assumed once, however many registries and regions use it, with
 * GitHub's OIDC token asked for once per audience. A role that cannot be assumed rejects every
 * caller with the same error. The code that assumes them (assume-role.ts, with the SDK's
 * providers) is loaded only when a role is named, so a step without one starts as fast.
 */
export class Identities {
  readonly #assumed = new Map<string, Promise<AwsCredentialIdentity>>();
  readonly #tokens = new Map<string, Promise<string>>();
  readonly #settings: RoleSettings;
  readonly #proxy: ProxyEnv;
  readonly #deadline: Deadline;

  constructor(settings: RoleSettings, proxy: ProxyEnv, deadline: Deadline) {
    this.#settings = settings;
    this.#proxy = proxy;
    this.#deadline = deadline;
  }

  /** The role's credentials, assumed in `region` the first time it is asked for. */
  credentialsOf(role: string, region: string): Promise<AwsCredentialIdentity> {
    const known =
      this.#assumed.get(role) ??
      import('./assume-role.ts').then(async ({ assumeRole }) => {
        const settings = { arn: role, ...this.#settings };
        const token = (audience: string) => this.#token(audience);
        return (await assumeRole(settings, region, this.#proxy, this.#deadline, token)).credentials;
      });
    this.#assumed.set(role, known);
    return known;
  }

  #token(audience: string): Promise<string> {
    const token = this.#tokens.get(audience) ?? idToken(audience);
    this.#tokens.set(audience, token);
    return token;
  }
}
