// @actions/http-client is not bundled: this action never requests an OIDC token.
const unavailable = () => {
  throw new Error('@actions/http-client is not bundled with this action');
};
export class HttpClient { constructor() { unavailable(); } }
export class BearerCredentialHandler { constructor() { unavailable(); } }
