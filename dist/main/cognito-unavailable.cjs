// The Cognito credential provider is not bundled: this action never uses it.
module.exports = new Proxy({}, { get() { throw new Error('The Cognito credential provider is not bundled with this action'); } });
