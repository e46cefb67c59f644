// The HTTP client's ProxyAgent is not bundled: getIDToken's request does not use it.
export class ProxyAgent { constructor() { throw new Error('ProxyAgent is not bundled with this action'); } }
