import { describe, expect, it } from "vitest";
import { formatAck, formatRoutes, parseAck, parseRoutes, retryable, routesDigest } from "./proxy-routes.js";

const routes = {
  revision: 3,
  upstreams: [
    { host: "127.0.0.1", port: 4001 },
    { host: "127.0.0.1", port: 4002 },
  ],
};

describe("routes.json", () => {
  it("round-trips, keeping only the known fields", () => {
    expect(parseRoutes(formatRoutes(routes))).toEqual({ routes });
    expect(parseRoutes(JSON.stringify({ ...routes, extra: 1, upstreams: [{ host: "h", port: 1, weight: 2 }] }))).toEqual({
      routes: { revision: 3, upstreams: [{ host: "h", port: 1 }] },
    });
  });

  it.each([
    ["{", "not JSON"],
    ["[]", "routes must be an object"],
    [`{"revision": -1, "upstreams": []}`, "revision must be a whole number"],
    [`{"revision": 1.5, "upstreams": []}`, "revision must be a whole number"],
    [`{"revision": 1}`, "upstreams must be a list"],
    [`{"revision": 1, "upstreams": [{"host": "", "port": 1}]}`, "upstreams[0].host"],
    [`{"revision": 1, "upstreams": [{"host": "h", "port": 70000}]}`, "upstreams[0].port"],
  ])("refuses %s", (text, message) => {
    const parsed = parseRoutes(text);
    expect("error" in parsed && parsed.error).toContain(message);
  });
});

describe("routesDigest", () => {
  it("changes with the revision, the upstreams and their order, not with formatting", () => {
    const digest = routesDigest(routes);
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    expect(routesDigest({ ...routes })).toBe(digest);
    expect(routesDigest({ ...routes, revision: 4 })).not.toBe(digest);
    expect(routesDigest({ ...routes, upstreams: [...routes.upstreams].reverse() })).not.toBe(digest);
    expect(routesDigest({ ...routes, upstreams: routes.upstreams.slice(1) })).not.toBe(digest);
  });
});

describe("routes.ack", () => {
  it("round-trips and tolerates garbage", () => {
    const ack = { revision: 3, digest: "abc", pid: 42, draining: 1 };
    expect(parseAck(formatAck(ack))).toEqual(ack);
    expect(parseAck("")).toBeUndefined();
    expect(parseAck(`{"revision": 3}`)).toBeUndefined();
  });
});

describe("retryable", () => {
  const get = { method: "GET", headers: {} };
  const post = { method: "POST", headers: { "content-length": "0" } };
  const postWithBody = { method: "POST", headers: { "content-length": "12" } };
  const chunked = { method: "PUT", headers: { "transfer-encoding": "chunked" } };

  it.each([
    ["a refused GET", get, "ECONNREFUSED", false, true],
    ["a refused POST without a body (it never reached the upstream)", post, "ECONNREFUSED", false, true],
    ["a refused POST with a body (the body is consumed)", postWithBody, "ECONNREFUSED", false, false],
    ["a chunked upload", chunked, "ECONNREFUSED", false, false],
    ["a GET reset on a reused keep-alive connection", get, "ECONNRESET", true, true],
    ["a GET reset on a fresh connection (the upstream crashed)", get, "ECONNRESET", false, false],
    ["a POST reset on a reused connection (it may have run)", post, "ECONNRESET", true, false],
    ["a timeout", get, "ETIMEDOUT", true, false],
  ] as const)("%s → %s", (_name, request, code, reused, expected) => {
    expect(retryable(request, code, reused)).toBe(expected);
  });
});
