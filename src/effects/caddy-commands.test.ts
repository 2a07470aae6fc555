import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  adminArgv,
  caddyConfig,
  defaultCaddyImage,
  establishedTo,
  proxyContainerName,
  proxyRunArgv,
  releaseSlotDir,
  revisionOfLink,
  routeId,
  sameJson,
  servesArgv,
  slotAddresses,
  slotCount,
  slotDial,
  slotsOfConfig,
  switchLinkArgv,
  writeSlotsArgv,
} from "./caddy-commands.js";

const settings = { adminSocket: "/srv/slipway/shop/production/proxy/admin.sock", listen: ":80", gracePeriodSeconds: 20 };
const dir = "/srv/slipway/shop/production/proxy";
const proxyHandle = (slots: number) => ({
  handler: "reverse_proxy",
  transport: { protocol: "http", keep_alive: { enabled: false } },
  upstreams: Array.from({ length: slots }, (_, i) => ({ dial: `{file.${dir}/current/${i}}` })),
  load_balancing: { selection_policy: { policy: "round_robin" }, try_duration: "5s", try_interval: "100ms" },
});

const sh = (argv: readonly string[]) => spawnSync(argv[0] as string, argv.slice(1), { encoding: "utf8" });

describe("Caddy config and admin calls", () => {
  it("routes the port to 12 slots read from the `current` link at each request, with the admin API on the unix socket only", () => {
    const config = caddyConfig(settings, { dir, slots: 12 });
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
              routes: [{ "@id": "slipway", handle: [proxyHandle(12)] }],
            },
          },
        },
      },
    });
    expect(slotDial(dir, 3)).toBe("{file./srv/slipway/shop/production/proxy/current/3}");
    // Read back: how many slots the route has (Caddy's GET /config/ gives the same value, keys sorted).
    expect(slotsOfConfig(JSON.stringify(config))).toBe(12);
    expect(slotsOfConfig(undefined)).toBe(0);
    expect(slotsOfConfig("not json")).toBe(0);
  });

  it("answers 503 when no release serves (0 slots)", () => {
    const config = caddyConfig(settings, { dir, slots: 0 });
    const route = (config.apps as { http: { servers: { slipway: { routes: { "@id": string; handle: unknown[] }[] } } } }).http.servers
      .slipway.routes[0];
    expect(route?.["@id"]).toBe(routeId);
    expect(route?.handle).toEqual([{ handler: "static_response", status_code: 503, body: "no release serves here yet\n" }]);
    expect(slotsOfConfig(JSON.stringify(config))).toBe(0);
  });

  it("gives each of 1, 2, 3, 4 or 6 containers an equal share of 12 slots, and one slot each above 12", () => {
    expect(slotCount(0)).toBe(0);
    for (const n of [1, 2, 3, 4, 6]) {
      const upstreams = Array.from({ length: n }, (_, i) => `127.0.0.1:${24000 + i}`);
      const slots = slotAddresses(upstreams, slotCount(n));
      expect(slots).toHaveLength(12);
      for (const u of upstreams) expect(slots.filter((s) => s === u)).toHaveLength(12 / n);
    }
    expect(slotCount(13)).toBe(13);
    expect(slotAddresses(["a:1", "b:2"], 3)).toEqual(["a:1", "b:2", "a:1"]);
  });

  it("reads the revision from the link's target, and nothing else", () => {
    expect(releaseSlotDir(42)).toBe("releases/r42");
    expect(revisionOfLink("releases/r42\n")).toBe(42);
    expect(revisionOfLink("")).toBeUndefined();
    expect(revisionOfLink("/etc/passwd")).toBeUndefined();
    expect(revisionOfLink("releases/r4x")).toBeUndefined();
  });

  it("compares configs by value, whatever the key order", () => {
    expect(sameJson('{"a":1,"b":{"c":[1,{"d":2,"e":3}]}}', '{"b":{"c":[1,{"e":3,"d":2}]},"a":1}')).toBe(true);
    expect(sameJson('{"a":[1,2]}', '{"a":[2,1]}')).toBe(false);
    expect(sameJson("{}", "not json")).toBe(false);
  });

  it("writes the slot files and switches the link in a real sh, the link renamed over (not into) the old one", () => {
    const root = mkdtempSync(join(tmpdir(), "slipway-slots-"));
    try {
      expect(sh(writeSlotsArgv(join(root, "releases/r1"), ["127.0.0.1:24001", "127.0.0.1:24001"])).status).toBe(0);
      expect(sh(writeSlotsArgv(join(root, "releases/r2"), ["127.0.0.1:24002", "127.0.0.1:24003"])).status).toBe(0);
      expect(readFileSync(join(root, "releases/r2/1"), "utf8")).toBe("127.0.0.1:24003\n");
      expect(existsSync(join(root, "releases/r2/0.tmp"))).toBe(false);
      const link = join(root, "current");
      expect(sh(switchLinkArgv(link, "releases/r1")).status).toBe(0);
      expect(readlinkSync(link)).toBe("releases/r1");
      expect(sh(switchLinkArgv(link, "releases/r2")).status).toBe(0);
      expect(readlinkSync(link)).toBe("releases/r2");
      expect(readFileSync(join(link, "0"), "utf8")).toBe("127.0.0.1:24002\n");
      // Not moved into r1's folder through the old link.
      expect(existsSync(join(root, "releases/r1/current.tmp"))).toBe(false);
      expect(existsSync(join(root, "releases/r1/current"))).toBe(false);
      // Without Caddy's socket the serves check exits 3 (Caddy does not answer).
      expect(sh(servesArgv(join(root, "admin.sock"), link)).status).toBe(3);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("counts the established connections to the old containers in /proc/net/tcp and tcp6 lines", () => {
    const lines = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      // Caddy → 127.0.0.1:24001 (0x5DC1), established: two requests in flight.
      "   0: 0100007F:9C40 0100007F:5DC1 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0",
      "   1: 0100007F:9C41 0100007F:5DC1 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0",
      // The same port in TIME_WAIT (06) and a listening socket (0A): not in flight.
      "   2: 0100007F:9C42 0100007F:5DC1 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0",
      "   3: 0100007F:5DC1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0",
      // Another address with that port, and another port: not ours.
      "   4: 0A000002:9C43 0A000003:5DC1 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0",
      "   5: 0100007F:9C44 0100007F:5DC2 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0",
      // tcp6, an IPv4-mapped 127.0.0.1.
      "   0: 0000000000000000FFFF00000100007F:9C45 0000000000000000FFFF00000100007F:5DC1 01 00000000:00000000 00:00000000 00000000 0 0 6 1 0",
    ];
    expect(establishedTo(lines, ["127.0.0.1:24001"])).toBe(3);
    expect(establishedTo(lines, ["127.0.0.1:24002"])).toBe(1);
    expect(establishedTo(lines, ["127.0.0.1:24001", "127.0.0.1:24002"])).toBe(4);
    expect(establishedTo(lines, ["127.0.0.1:24003"])).toBe(0);
    expect(establishedTo([], ["127.0.0.1:24001"])).toBe(0);
  });

  it("with TLS internal: one HTTPS server for the host name, Caddy's own CA kept out of the system trust store", () => {
    const tls = { host: "shop.example.com", issuer: "internal" as const, httpPort: 8080, httpsPort: 8443 };
    const config = caddyConfig({ ...settings, listen: ":8080", tls }, { dir, slots: 12 });
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
                  "@id": "slipway",
                  match: [{ host: ["shop.example.com"] }],
                  handle: [proxyHandle(12)],
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
    expect(slotsOfConfig(JSON.stringify(config))).toBe(12);
  });

  it("with TLS acme: the issuers `caddy adapt` (2.11.9) gives `tls EMAIL` (Let's Encrypt, then ZeroSSL's ACME), or Caddy's defaults without an email", () => {
    const tls = { host: "shop.example.com", issuer: "acme" as const, email: "ops@example.com", httpPort: 80, httpsPort: 443 };
    const apps = caddyConfig({ ...settings, tls }, { dir, slots: 12 }).apps as Record<string, unknown>;
    expect(apps.tls).toEqual({
      automation: {
        policies: [
          {
            subjects: ["shop.example.com"],
            issuers: [
              { email: "ops@example.com", module: "acme" },
              { ca: "https://acme.zerossl.com/v2/DV90", email: "ops@example.com", module: "acme" },
            ],
          },
        ],
      },
    });
    expect(apps.pki).toBeUndefined();
    expect((apps.http as { http_port: number; https_port: number }).https_port).toBe(443);
    const { email: _, ...noEmail } = tls;
    const bare = caddyConfig({ ...settings, tls: noEmail }, { dir, slots: 12 }).apps as Record<string, unknown>;
    expect(bare.tls).toEqual({ automation: { policies: [{ subjects: ["shop.example.com"] }] } });
    // On other ports than 80/443 (a port forward in front), the ACME challenges are answered there.
    const forwarded = caddyConfig({ ...settings, tls: { ...tls, httpPort: 8080, httpsPort: 8443 } }, { dir, slots: 12 }).apps as {
      tls: { automation: { policies: { issuers: Record<string, unknown>[] }[] } };
    };
    for (const issuer of forwarded.tls.automation.policies[0]?.issuers ?? [])
      expect(issuer.challenges).toEqual({ http: { alternate_port: 8080 }, "tls-alpn": { alternate_port: 8443 } });
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
  });

  it("runs Caddy's container on the server's network, its folder at the same path, confined", () => {
    expect(defaultCaddyImage).toBe("docker.io/library/caddy:2.11");
    expect(proxyContainerName("shop", "production")).toBe("slipway-shop-production-proxy");
    expect(
      proxyRunArgv("podman", {
        name: "slipway-shop-production-proxy",
        image: "docker.io/library/caddy:2.11",
        dir,
        labels: { "dev.slipway.app": "shop", "dev.slipway.accessory": "proxy", "dev.slipway.accessory-of": "production" },
      }),
    ).toEqual([
      "podman",
      "run",
      "--detach",
      "--name",
      "slipway-shop-production-proxy",
      "--label",
      "dev.slipway.accessory=proxy",
      "--label",
      "dev.slipway.accessory-of=production",
      "--label",
      "dev.slipway.app=shop",
      "--network",
      "host",
      "--read-only",
      "--tmpfs",
      "/tmp:rw,size=64m",
      "--cap-drop",
      "ALL",
      "--cap-add",
      "NET_BIND_SERVICE",
      "--security-opt",
      "no-new-privileges",
      "--volume",
      `${dir}:${dir}`,
      "--workdir",
      dir,
      "--env",
      `HOME=${dir}`,
      "--env",
      `XDG_DATA_HOME=${dir}/data`,
      "--env",
      `XDG_CONFIG_HOME=${dir}/config`,
      "docker.io/library/caddy:2.11",
      "caddy",
      "run",
      "--config",
      `${dir}/caddy.json`,
    ]);
  });
});
