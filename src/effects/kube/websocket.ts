/**
 * The small part of RFC 6455 (WebSocket) a client of the Kubernetes exec API needs: the handshake
 * key check, masked client frames and a decoder for server frames (with fragments, control frames
 * and 16/64-bit lengths). Pure: no sockets here (pod-exec.ts does the I/O).
 */
import { createHash, randomBytes } from "node:crypto";

export const wsOpcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

const handshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64. */
export function wsKey(): string {
  return randomBytes(16).toString("base64");
}

/** The `Sec-WebSocket-Accept` a server must answer for `key`. */
export function wsAccept(key: string): string {
  return createHash("sha1")
    .update(key + handshakeGuid)
    .digest("base64");
}

/**
 * One frame, FIN set. Client frames must be masked (RFC 6455 §5.3): `mask` is the 4-byte key
 * (random per frame unless a test passes one); `null` writes an unmasked (server-style) frame.
 */
export function encodeFrame(opcode: number, payload: Uint8Array, mask: Uint8Array | null = randomBytes(4)): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const maskBytes = mask === null ? 0 : 4;
  const out = Buffer.alloc(2 + lengthBytes + maskBytes + length);
  out[0] = 0x80 | (opcode & 0x0f);
  const maskBit = mask === null ? 0 : 0x80;
  if (lengthBytes === 0) out[1] = maskBit | length;
  else if (lengthBytes === 2) {
    out[1] = maskBit | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = maskBit | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const start = 2 + lengthBytes + maskBytes;
  if (mask === null) {
    out.set(payload, start);
    return out;
  }
  if (mask.length !== 4) throw new Error("a WebSocket mask has 4 bytes");
  out.set(mask, 2 + lengthBytes);
  for (let i = 0; i < length; i++) out[start + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

/** A close frame's payload: the status code and an optional UTF-8 reason. */
export function closePayload(code = 1000, reason = ""): Buffer {
  const text = Buffer.from(reason, "utf8");
  const out = Buffer.alloc(2 + text.length);
  out.writeUInt16BE(code, 0);
  out.set(text, 2);
  return out;
}

/** A whole message (fragments joined) or a control frame. */
export interface WsMessage {
  opcode: number;
  payload: Buffer;
}

export class WsProtocolError extends Error {}

/**
 * Turns the bytes a server sends into messages. Feed it with `push(chunk)` in arrival order; it
 * returns every message completed by that chunk. Control frames (close, ping, pong) may come
 * between the fragments of a data message, as RFC 6455 allows.
 */
export class WsDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode: number | undefined;

  constructor(private readonly maxMessageBytes = 64 * 1024 * 1024) {}

  push(chunk: Uint8Array): WsMessage[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const out: WsMessage[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (frame === undefined) return out;
      const { fin, opcode, payload } = frame;
      if (opcode >= 0x8) {
        if (!fin || payload.length > 125) throw new WsProtocolError("fragmented or oversized control frame");
        out.push({ opcode, payload });
        continue;
      }
      if (opcode === wsOpcode.continuation) {
        if (this.fragmentOpcode === undefined) throw new WsProtocolError("continuation frame without a message");
        this.fragments.push(payload);
      } else {
        if (this.fragmentOpcode !== undefined) throw new WsProtocolError("new message before the last one ended");
        this.fragmentOpcode = opcode;
        this.fragments = [payload];
      }
      if (this.fragments.reduce((n, f) => n + f.length, 0) > this.maxMessageBytes) throw new WsProtocolError("message too large");
      if (fin) {
        out.push({
          opcode: this.fragmentOpcode,
          payload: this.fragments.length === 1 ? (this.fragments[0] as Buffer) : Buffer.concat(this.fragments),
        });
        this.fragmentOpcode = undefined;
        this.fragments = [];
      }
    }
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    const first = b[0] as number;
    const second = b[1] as number;
    if ((first & 0x70) !== 0) throw new WsProtocolError("reserved bits set (no extension was negotiated)");
    let length = second & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessageBytes)) throw new WsProtocolError("frame too large");
      length = Number(big);
      offset = 10;
    }
    const masked = (second & 0x80) !== 0;
    const maskAt = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    let payload = b.subarray(offset, offset + length);
    if (masked) {
      const mask = b.subarray(maskAt, maskAt + 4);
      payload = Buffer.from(payload);
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i & 3] as number);
    } else payload = Buffer.from(payload);
    this.buffer = b.subarray(offset + length);
    return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload };
  }
}
