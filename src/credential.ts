import * as core from '@actions/core';
import { ECR_USERNAME } from './constants.ts';

/** Registry credentials ready for `<cli> login`. */
export interface Credential {
  host: string;
  region: string;
  username: string;
  password: string;
  expiresAt: Date;
  /** The role it was fetched with (an ARN); the job's credentials when absent. */
  identity?: string;
}

/** Decodes `base64(AWS:<password>)`, masking the token and, unless told not to, the password. */
export function decodeToken(
  token: string,
  maskPassword: boolean,
): { username: string; password: string } {
  core.setSecret(token);
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (maskPassword && password !== '') core.setSecret(password);
  if (colon <= 0 || username !== ECR_USERNAME || password === '') {
    throw new Error(`ECR returned an authorization token that is not of the form AWS:<password>.`);
  }
  return { username, password };
}
