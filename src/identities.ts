import type { AwsCredentialIdentity } from '@smithy/types';
import type { Deadline } from './aws-client.ts';
import { errorMessage } from './errors.ts';
import type { Role } from './inputs.ts';
import type { ProxyEnv } from './proxy.ts';

/**
 * The roles of one step: each assumed once, however many registries and regions use it, and a
 * role that cannot be assumed reported once. The code that assumes them (assume-role.ts, with
 * the SDK's providers) is loaded only when a role is named, so a step without one starts as fast.
 */
export class Identities {
  readonly #assumed = new Map<string, Promise<AwsCredentialIdentity>>();
  readonly #refused = new Set<string>();
  readonly #settings: Omit<Role, 'arn'>;
  readonly #proxy: ProxyEnv;
  readonly #deadline: Deadline;

  constructor(settings: Omit<Role, 'arn'>, proxy: ProxyEnv, deadline: Deadline) {
    this.#settings = settings;
    this.#proxy = proxy;
    this.#deadline = deadline;
  }

  /**
   * The role's credentials; undefined when it cannot be assumed, after telling `fail` why —
   * the first time only.
   */
  async credentialsOf(
    role: string,
    region: string,
    fail: (message: string) => void,
  ): Promise<AwsCredentialIdentity | undefined> {
    const known =
      this.#assumed.get(role) ??
      import('./assume-role.ts').then(async ({ assumeRole }) => {
        const settings = { arn: role, ...this.#settings };
        return (await assumeRole(settings, region, this.#proxy, this.#deadline)).credentials;
      });
    this.#assumed.set(role, known);
    try {
      return await known;
    } catch (error) {
      if (!this.#refused.has(role)) fail(errorMessage(error));
      this.#refused.add(role);
      return undefined;
    }
  }
}
