import { describe, expect, it } from "vitest";
import { adminArgv, caddyConfig, caddyRunArgv, routeId, servedRevision, upstreamRequests } from "./caddy-commands.js";

const settings = { adminSocket: "/srv/slipway/shop/production/proxy/admin.sock", listen: ":80", gracePeriodSeconds: 20 };

describe("Caddy config and admin calls", () => {
  it("routes the port to the release's upstreams, with the admin API on the unix socket only", () => {
    const config = caddyConfig(settings, { revision: 7, upstreams: ["127.0.0.1:24001", "127.0.0.1:24002"] });
    expect(config).toEqual({
      admin: { listen: "unix//srv/slipway/shop/production/proxy/admin.sock", origins: ["localhost"] },
      logging: { logs: { default: { level: "WARN" } } },
      apps: {
        http: {
          grace_period: "20s",
          servers: {
            slipway: {
              listen: [":80"],
              automatic_https: { disable: true },
              routes: [
                {
                  "@id": "slipway-r7",
                  handle: [
                    {
                      handler: "reverse_proxy",
                      upstreams: [{ dial: "127.0.0.1:24001" }, { dial: "127.0.0.1:24002" }],
                      load_balancing: { selection_policy: { policy: "round_robin" }, try_duration: "5s", try_interval: "100ms" },
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    });
    // Read back: the revision the route serves.
    expect(servedRevision(JSON.stringify(config))).toBe(7);
  });

  it("answers 503 when no release serves, and reads that back as no revision", () => {
    const config = caddyConfig(settings, { revision: undefined, upstreams: [] });
    const route = (config.apps as { http: { servers: { slipway: { routes: { "@id": string; handle: unknown[] }[] } } } }).http.servers
      .slipway.routes[0];
    expect(route?.["@id"]).toBe(routeId(undefined));
    expect(route?.handle).toEqual([{ handler: "static_response", status_code: 503, body: "no release serves here yet\n" }]);
    expect(servedRevision(JSON.stringify(config))).toBeUndefined();
    expect(servedRevision("null")).toBeUndefined();
    expect(servedRevision("not json")).toBeUndefined();
  });

  it("calls the admin API with curl over the socket, failing on an HTTP error", () => {
    expect(adminArgv("/p/admin.sock", "POST", "/load", "/p/caddy.json")).toEqual([
      "curl",
      "--silent",
      "--show-error",
      "--fail-with-body",
      "--max-time",
      "30",
      "--unix-socket",
      "/p/admin.sock",
      "--request",
      "POST",
      "--header",
      "Content-Type: application/json",
      "--data-binary",
      "@/p/caddy.json",
      "http://localhost/load",
    ]);
    expect(adminArgv("/p/admin.sock", "GET", "/reverse_proxy/upstreams").slice(-3)).toEqual([
      "--request",
      "GET",
      "http://localhost/reverse_proxy/upstreams",
    ]);
    expect(caddyRunArgv("/p/caddy.json")).toEqual(["caddy", "run", "--config", "/p/caddy.json"]);
  });

  it("reads the in-flight requests per upstream from /reverse_proxy/upstreams", () => {
    const counts = upstreamRequests(
      '[{"address":"127.0.0.1:24001","num_requests":2,"fails":0},{"address":"127.0.0.1:24002","num_requests":0,"fails":1}]',
    );
    expect(counts).toEqual(
      new Map([
        ["127.0.0.1:24001", 2],
        ["127.0.0.1:24002", 0],
      ]),
    );
    expect(upstreamRequests("[]")).toEqual(new Map());
    expect(upstreamRequests('{"error":"x"}')).toBeUndefined();
    expect(upstreamRequests("")).toBeUndefined();
  });
});
