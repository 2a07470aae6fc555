import { describe, expect, it } from "vitest";
import { forwardedRequestHeaders, hopByHopHeaders, trustedPeer } from "./forwarded-headers.js";

const nobody = trustedPeer([]);

describe("hop-by-hop headers", () => {
  it("are the fixed RFC 9110 list plus every header Connection names, in any case and spacing", () => {
    const names = hopByHopHeaders({ connection: "keep-alive, X-Secret ,  x-Other" });
    for (const name of [
      "connection",
      "keep-alive",
      "proxy-authorization",
      "proxy-authenticate",
      "te",
      "trailer",
      "upgrade",
      "x-secret",
      "x-other",
    ])
      expect(names).toContain(name);
    expect(names).not.toContain("host");
  });
});

describe("forwarded request headers", () => {
  const request = (headers: Record<string, string>, peer = "203.0.113.9", trusted = nobody, upgrading = false) =>
    forwardedRequestHeaders({ headers, peer, localPort: 4000, upgrading, trusted });

  it("drops hop-by-hop headers but keeps Transfer-Encoding, by which the body is framed again", () => {
    const { remove } = request({
      connection: "close, x-hop",
      "x-hop": "1",
      "proxy-authorization": "Basic eA==",
      te: "trailers",
      "transfer-encoding": "chunked",
      host: "example.com",
    });
    expect(remove).toEqual(expect.arrayContaining(["connection", "x-hop", "proxy-authorization", "te", "upgrade", "keep-alive"]));
    expect(remove).not.toContain("transfer-encoding");
    expect(remove).not.toContain("host");
  });

  it("replaces a chain an untrusted client sent with the client's own address", () => {
    const { set, remove } = request({
      "x-forwarded-for": "1.2.3.4",
      forwarded: "for=1.2.3.4",
      "x-forwarded-proto": "https",
      host: "app.test:4000",
    });
    expect(remove).toEqual(expect.arrayContaining(["x-forwarded-for", "forwarded", "x-forwarded-proto", "x-forwarded-host"]));
    expect(set).toMatchObject({
      "x-forwarded-for": "203.0.113.9",
      forwarded: 'for=203.0.113.9;host="app.test:4000";proto=http',
      "x-forwarded-proto": "http",
      "x-forwarded-host": "app.test:4000",
      "x-forwarded-port": "4000",
    });
  });

  it("appends to the chain of a trusted proxy (address or CIDR range, IPv4 seen as ::ffff:a.b.c.d too)", () => {
    for (const trusted of [trustedPeer(["10.1.2.3"]), trustedPeer(["10.0.0.0/8"]), trustedPeer(["192.0.2.1", "10.1.0.0/16"])]) {
      const { set } = request(
        { "x-forwarded-for": "198.51.100.7", forwarded: "for=198.51.100.7;proto=https", "x-forwarded-proto": "https", host: "h" },
        "::ffff:10.1.2.3",
        trusted,
      );
      expect(set).toMatchObject({
        "x-forwarded-for": "198.51.100.7, 10.1.2.3",
        forwarded: "for=198.51.100.7;proto=https, for=10.1.2.3;host=h;proto=http",
        "x-forwarded-proto": "https",
      });
    }
    expect(trustedPeer(["10.0.0.0/8"])("11.0.0.1")).toBe(false);
    expect(trustedPeer(["fd00::/8"])("fd12::1")).toBe(true);
  });

  it("quotes an IPv6 client in Forwarded, and a websocket upgrade keeps Upgrade with Connection: upgrade", () => {
    const { set, remove } = request({ connection: "Upgrade, x-hop", upgrade: "websocket", host: "h" }, "::1", nobody, true);
    expect(set.forwarded).toBe('for="[::1]";host=h;proto=http');
    expect(set.connection).toBe("upgrade");
    expect(remove).not.toContain("upgrade");
    expect(remove).toContain("x-hop");
  });
});
