import { describe, expect, it } from "vitest";
import { closePayload, encodeFrame, WsDecoder, WsProtocolError, wsAccept, wsKey, wsOpcode } from "./websocket.js";

describe("WebSocket handshake", () => {
  it("computes Sec-WebSocket-Accept as RFC 6455 §1.3 shows", () => {
    expect(wsAccept("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("makes 16-byte base64 keys, different each time", () => {
    const a = wsKey();
    expect(Buffer.from(a, "base64")).toHaveLength(16);
    expect(wsKey()).not.toBe(a);
  });
});

describe("encodeFrame", () => {
  it("masks a client frame: RFC 6455 §5.7's masked 'Hello'", () => {
    const frame = encodeFrame(wsOpcode.text, Buffer.from("Hello"), Buffer.from([0x37, 0xfa, 0x21, 0x3d]));
    expect([...frame]).toEqual([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it("writes an unmasked frame when asked (server style)", () => {
    expect([...encodeFrame(wsOpcode.text, Buffer.from("Hello"), null)]).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  });

  it("uses the 16-bit length from 126 bytes and the 64-bit length from 65536", () => {
    const mid = encodeFrame(wsOpcode.binary, Buffer.alloc(256, 1), null);
    expect([...mid.subarray(0, 4)]).toEqual([0x82, 126, 0x01, 0x00]);
    expect(mid).toHaveLength(4 + 256);
    const big = encodeFrame(wsOpcode.binary, Buffer.alloc(65536, 2), Buffer.from([1, 2, 3, 4]));
    expect([...big.subarray(0, 10)]).toEqual([0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(big).toHaveLength(10 + 4 + 65536);
  });

  it("uses a fresh random mask per frame by default", () => {
    const a = encodeFrame(wsOpcode.binary, Buffer.from([0, 1, 2, 3]));
    const b = encodeFrame(wsOpcode.binary, Buffer.from([0, 1, 2, 3]));
    expect(a[1]).toBe(0x84);
    expect(a.subarray(2, 6).equals(b.subarray(2, 6)) && a.subarray(2, 6).equals(Buffer.alloc(4))).toBe(false);
  });

  it("encodes a close payload: status code then reason", () => {
    expect([...closePayload(1000, "ok")]).toEqual([0x03, 0xe8, 0x6f, 0x6b]);
  });
});

describe("WsDecoder", () => {
  it("round-trips masked frames of every length class", () => {
    for (const size of [0, 1, 125, 126, 65535, 65536, 70000]) {
      const payload = Buffer.alloc(size, size % 251);
      const [message] = new WsDecoder().push(encodeFrame(wsOpcode.binary, payload));
      expect(message?.opcode).toBe(wsOpcode.binary);
      expect(message?.payload.equals(payload)).toBe(true);
    }
  });

  it("decodes frames split at any byte and several frames in one chunk", () => {
    const bytes = Buffer.concat([
      encodeFrame(wsOpcode.binary, Buffer.from([1, 104, 105]), null),
      encodeFrame(wsOpcode.binary, Buffer.alloc(300, 7), null),
      encodeFrame(wsOpcode.close, closePayload(1000), null),
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new WsDecoder();
      const messages = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(messages.map((m) => [m.opcode, m.payload.length])).toEqual([
        [wsOpcode.binary, 3],
        [wsOpcode.binary, 300],
        [wsOpcode.close, 2],
      ]);
    }
  });

  it("joins fragments and lets a ping through between them", () => {
    const first = Buffer.from([0x02, 0x02, 1, 65]); // binary, FIN clear
    const ping = encodeFrame(wsOpcode.ping, Buffer.from("p"), null);
    const last = Buffer.from([0x80, 0x01, 66]); // continuation, FIN set
    const messages = new WsDecoder().push(Buffer.concat([first, ping, last]));
    expect(messages).toEqual([
      { opcode: wsOpcode.ping, payload: Buffer.from("p") },
      { opcode: wsOpcode.binary, payload: Buffer.from([1, 65, 66]) },
    ]);
  });

  it("rejects reserved bits, stray continuations and fragmented control frames", () => {
    expect(() => new WsDecoder().push(Buffer.from([0xc2, 0x00]))).toThrow(WsProtocolError);
    expect(() => new WsDecoder().push(Buffer.from([0x80, 0x00]))).toThrow(/continuation/);
    expect(() => new WsDecoder().push(Buffer.from([0x09, 0x00]))).toThrow(/control/);
  });

  it("refuses messages over its limit", () => {
    const decoder = new WsDecoder(10);
    expect(() => decoder.push(encodeFrame(wsOpcode.binary, Buffer.alloc(11), null))).toThrow(/too large/);
  });
});
