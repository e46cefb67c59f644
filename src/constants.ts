/** Names of the action's inputs, as in action.yml. */
export const Input = {
  Registries: 'registries',
  Region: 'region',
  RegistryType: 'registry-type',
  MaskPassword: 'mask-password',
  SkipLogout: 'skip-logout',
  HttpProxy: 'http-proxy',
  LoginAttempts: 'login-attempts',
  LoginTimeout: 'login-timeout',
  IsolateCredentials: 'isolate-credentials',
  ContainerCli: 'container-cli',
  ApiTimeout: 'api-timeout',
  RoleToAssume: 'role-to-assume',
  Audience: 'audience',
  RoleSessionName: 'role-session-name',
  RoleDurationSeconds: 'role-duration-seconds',
  RegistryRoles: 'registry-roles',
  CredentialHelper: 'credential-helper',
} as const;

/** Names of the action's fixed outputs. */
export const Output = {
  Registry: 'registry',
  Registries: 'registries',
  ExpiresAt: 'expires-at',
} as const;

/** Per-registry outputs: the prefix, then the host in output-name form (`outputSuffix`). */
export const OutputPrefix = {
  Username: 'docker_username_',
  Password: 'docker_password_',
} as const;

/** Keys under which the main step hands the post step what it has to undo. */
export const State = {
  RunDir: 'run-dir',
  PrivateConfig: 'private-config',
} as const;

/** The ECR Public registry host and the only region its API is served from. */
export const PUBLIC_REGISTRY = 'public.ecr.aws';
export const PUBLIC_REGION = 'us-east-1';

/** ECR tokens always decode to `AWS:<password>`. */
export const ECR_USERNAME = 'AWS';

/** GetAuthorizationToken accepts at most this many registry IDs in one call. */
export const MAX_REGISTRY_IDS_PER_CALL = 10;

/** The name of docker's credential file inside its config directory. */
export const CONFIG_FILE = 'config.json';
