import * as os from 'node:os';
import * as core from '@actions/core';
import { Output } from './constants.ts';
import { errorMessage } from './aws-errors.ts';
import { assertDocker, login } from './docker.ts';
import { dockerConfigDir, makePrivateConfig } from './docker-config.ts';
import { fetchCredentials, groupByRegion, resolveRegion } from './ecr.ts';
import type { Credential } from './ecr.ts';
import { getInputs } from './inputs.ts';
import { needsRegion, outputSuffix, parseRegistries, withRegion } from './registries.ts';
import { saveLogins, savePrivateConfig } from './state.ts';
import type { Login } from './state.ts';

/** The main step: validate, fetch tokens per region, log in to every registry, set outputs. */
export async function run(): Promise<void> {
  try {
    const inputs = getInputs();
    const targets = parseRegistries(inputs.registries, inputs.registryType);
    const region = needsRegion(targets) ? await resolveRegion(inputs.region) : '';
    const groups = groupByRegion(withRegion(targets, region));
    await assertDocker();

    const configDir = inputs.isolateCredentials ? isolate() : dockerConfigDir();
    const logins: Login[] = [];
    const done: Credential[] = [];
    const failures: string[] = [];
    const logIn = async (credential: Credential): Promise<void> => {
      const { output } = await login(
        credential.host,
        credential.username,
        credential.password,
        configDir,
        {
          attempts: inputs.loginAttempts,
          timeoutMs: inputs.loginTimeoutMs,
          onRetry: (attempt, delayMs, reason) => {
            core.info(
              `Login to ${credential.host} failed (attempt ${attempt} of ${inputs.loginAttempts}): ` +
                `${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s`,
            );
          },
        },
      );
      logins.push({ host: credential.host, cli: 'docker', config: configDir });
      if (!inputs.skipLogout) saveLogins(logins);
      done.push(credential);
      core.startGroup(`Logged in to ${credential.host} (${credential.region})`);
      if (output !== '') core.info(output);
      core.info(`Credentials expire at ${credential.expiresAt.toISOString()}`);
      core.endGroup();
    };
    const results = await Promise.allSettled(
      groups.map(async (group) => {
        const credentials = await fetchCredentials(group, {
          proxy: inputs.httpProxy,
          maskPassword: inputs.maskPassword,
        });
        const outcomes = await Promise.allSettled(credentials.map(logIn));
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') failures.push(errorMessage(outcome.reason));
        }
      }),
    );
    for (const result of results) {
      if (result.status === 'rejected') failures.push(errorMessage(result.reason));
    }

    setOutputs(done, inputs.maskPassword);
    if (failures.length === 1) throw new Error(failures[0]);
    if (failures.length > 1) {
      for (const failure of failures) core.error(failure);
      throw new Error(`${failures.length} registry logins failed; see the errors above.`);
    }
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

/** Makes the job-private config directory, records it for the post step and exports it. */
function isolate(): string {
  const dir = makePrivateConfig(dockerConfigDir(), process.env.RUNNER_TEMP || os.tmpdir());
  savePrivateConfig(dir);
  core.exportVariable('DOCKER_CONFIG', dir);
  core.info(`Credentials go to a job-private docker config: DOCKER_CONFIG=${dir}`);
  return dir;
}

function setOutputs(credentials: Credential[], maskPassword: boolean): void {
  if (credentials.length === 0) return;
  const [only] = credentials;
  if (credentials.length === 1 && only) core.setOutput(Output.Registry, only.host);
  core.setOutput(Output.Registries, credentials.map((c) => c.host).join(','));
  for (const credential of credentials) {
    const suffix = outputSuffix(credential.host);
    core.setOutput(`docker_username_${suffix}`, credential.username);
    core.setOutput(`docker_password_${suffix}`, credential.password);
  }
  const earliest = Math.min(...credentials.map((c) => c.expiresAt.getTime()));
  core.setOutput(Output.ExpiresAt, new Date(earliest).toISOString());
  if (!maskPassword) {
    core.warning(
      "'mask-password' is false: the registry passwords in this step's outputs are not masked. " +
        'Pass them only to job outputs or service credentials, never print them.',
    );
  }
}
