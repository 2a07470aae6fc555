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

  it("with TLS internal: one HTTPS server for the host name, Caddy's own CA kept out of the system trust store", () => {
    const tls = { host: "shop.example.com", issuer: "internal" as const, httpPort: 8080, httpsPort: 8443 };
    const config = caddyConfig({ ...settings, listen: ":8080", tls }, { revision: 4, upstreams: ["127.0.0.1:24001"] });
    expect(config).toEqual({
      admin: { listen: "unix//srv/slipway/shop/production/proxy/admin.sock", origins: ["localhost"] },
      logging: { logs: { default: { level: "WARN" } } },
      apps: {
        http: {
          grace_period: "20s",
          http_port: 8080,
          https_port: 8443,
          servers: {
            slipway: {
              listen: [":8443"],
              routes: [
                {
                  "@id": "slipway-r4",
                  match: [{ host: ["shop.example.com"] }],
                  handle: [
                    {
                      handler: "reverse_proxy",
                      upstreams: [{ dial: "127.0.0.1:24001" }],
                      load_balancing: { selection_policy: { policy: "round_robin" }, try_duration: "5s", try_interval: "100ms" },
                    },
                  ],
                  terminal: true,
                },
              ],
            },
          },
        },
        tls: { automation: { policies: [{ subjects: ["shop.example.com"], issuers: [{ module: "internal" }] }] } },
        pki: { certificate_authorities: { local: { install_trust: false } } },
      },
    });
    expect(servedRevision(JSON.stringify(config))).toBe(4);
  });

  it("with TLS acme: the issuers `caddy adapt` gives `tls EMAIL` (Let's Encrypt, then ZeroSSL), or Caddy's defaults without an email", () => {
    const tls = { host: "shop.example.com", issuer: "acme" as const, email: "ops@example.com", httpPort: 80, httpsPort: 443 };
    const apps = caddyConfig({ ...settings, tls }, { revision: 1, upstreams: ["127.0.0.1:24001"] }).apps as Record<string, unknown>;
    expect(apps.tls).toEqual({
      automation: {
        policies: [
          {
            subjects: ["shop.example.com"],
            issuers: [
              { email: "ops@example.com", module: "acme" },
              { email: "ops@example.com", module: "zerossl" },
            ],
          },
        ],
      },
    });
    expect(apps.pki).toBeUndefined();
    expect((apps.http as { http_port: number; https_port: number }).https_port).toBe(443);
    const { email: _, ...noEmail } = tls;
    const bare = caddyConfig({ ...settings, tls: noEmail }, { revision: 1, upstreams: ["127.0.0.1:24001"] }).apps as Record<
      string,
      unknown
    >;
    expect(bare.tls).toEqual({ automation: { policies: [{ subjects: ["shop.example.com"] }] } });
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
