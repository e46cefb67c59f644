// The floor for "process start to first API request": the AWS SDK for JavaScript v3 alone,
// bundled and minified as the action is, sending one GetAuthorizationToken.
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';

const client = new ECRClient({ maxAttempts: 1 });
await client.send(new GetAuthorizationTokenCommand({}));
