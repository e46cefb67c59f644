import { createHash, createHmac, type Hash } from 'node:crypto';

type Data = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: Data): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 / HMAC-SHA-256 on node:crypto, in the shape @smithy/signature-v4 expects. */
export class Sha256 {
  private readonly hash: Hash | ReturnType<typeof createHmac>;

  constructor(secret?: Data) {
    this.hash =
      secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: Data): void {
    this.hash.update(toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

export const sha256Hex = (data: Data) => createHash('sha256').update(toBuffer(data)).digest('hex');
