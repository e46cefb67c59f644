// Built by scripts/build.mjs into dist/main/oidc.js: @actions/core's getIDToken with the HTTP
// client it needs, loaded only when a role is assumed with GitHub's OIDC token.
export { getIDToken } from '@actions/core';
