/*
 * Caddy as the host target's proxy, as data: its JSON config (one server on the target's port,
 * or with TLS one HTTPS server for ingress.host plus Caddy's HTTP→HTTPS redirect; one
 * reverse_proxy route to the serving release's containers) and the admin API calls, made with
 * the host's curl over the admin unix socket (never a TCP port: only users who can reach the
 * folder can change the routes). Pure, unit-tested.
 */

export interface CaddyRoutes {
  /** The release the route serves; undefined: nothing deployed yet (503). */
  revision: number | undefined;
  /** `127.0.0.1:port` of each container of that release. */
  upstreams: readonly string[];
}

export interface CaddySettings {
  /** The admin API's unix socket on the host. */
  adminSocket: string;
  /** `host:port` or `:port` the app's traffic arrives on (plain HTTP; with `tls`, the port redirecting to HTTPS). */
  listen: string;
  /** How long a config change lets requests of the replaced config finish. */
  gracePeriodSeconds: number;
  /** HTTPS for one host name; undefined: plain HTTP on `listen`. */
  tls?: CaddyTls | undefined;
}

/** HTTPS for the app's public host name, with a certificate Caddy obtains and renews itself. */
export interface CaddyTls {
  /** The public host name (ingress.host): the certificate's name and the only Host served. */
  host: string;
  /** `acme`: a public certificate (Let's Encrypt, then ZeroSSL); `internal`: Caddy's own local CA (staging, tests). */
  issuer: "acme" | "internal";
  /** The ACME account's email (expiry notices); only with `acme`. */
  email?: string | undefined;
  /** Where HTTP arrives (redirected to HTTPS, and ACME's HTTP challenge). */
  httpPort: number;
  /** Where HTTPS is served. */
  httpsPort: number;
}

/**
 * Caddy's tls app for `tls`, in the shape `caddy adapt` (2.6.2) gives a site block with `tls internal`
 * or `tls EMAIL`; `install_trust: false` (the Caddyfile's `skip_install_trust`) keeps Caddy's local CA
 * out of the server's system trust store.
 */
function tlsApps(tls: CaddyTls): Record<string, unknown> {
  const issuers =
    tls.issuer === "internal"
      ? [{ module: "internal" }]
      : tls.email !== undefined
        ? [
            { email: tls.email, module: "acme" },
            { email: tls.email, module: "zerossl" },
          ]
        : undefined;
  return {
    tls: { automation: { policies: [{ subjects: [tls.host], ...(issuers ? { issuers } : {}) }] } },
    ...(tls.issuer === "internal" ? { pki: { certificate_authorities: { local: { install_trust: false } } } } : {}),
  };
}

/** The id of the app route: `slipway-r<revision>` tells which release the proxy serves. */
export function routeId(revision: number | undefined): string {
  return revision === undefined ? "slipway-none" : `slipway-r${revision}`;
}

/** Caddy's whole config: the admin socket, one HTTP server, the route to the release (or a 503). */
export function caddyConfig(settings: CaddySettings, routes: CaddyRoutes): Record<string, unknown> {
  const handle =
    routes.revision === undefined || routes.upstreams.length === 0
      ? [{ handler: "static_response", status_code: 503, body: "no release serves here yet\n" }]
      : [
          {
            handler: "reverse_proxy",
            upstreams: routes.upstreams.map((dial) => ({ dial })),
            // A request whose upstream refuses (a container stopping) is retried on another for up to 5 s.
            load_balancing: { selection_policy: { policy: "round_robin" }, try_duration: "5s", try_interval: "100ms" },
          },
        ];
  const admin = { listen: `unix/${settings.adminSocket}`, origins: ["localhost"] };
  const logging = { logs: { default: { level: "WARN" } } };
  const { tls } = settings;
  if (tls === undefined)
    return {
      // Caddy checks the Host header of admin requests against these; curl sends `localhost`.
      admin,
      logging,
      apps: {
        http: {
          grace_period: `${settings.gracePeriodSeconds}s`,
          servers: {
            slipway: {
              listen: [settings.listen],
              // No ingress.host with TLS: plain HTTP on the target's port.
              automatic_https: { disable: true },
              routes: [{ "@id": routeId(routes.revision), handle }],
            },
          },
        },
      },
    };
  return {
    admin,
    logging,
    apps: {
      http: {
        grace_period: `${settings.gracePeriodSeconds}s`,
        http_port: tls.httpPort,
        https_port: tls.httpsPort,
        servers: {
          // The host matcher is what Caddy's automatic HTTPS reads: it manages the certificate for that
          // name and adds the server on http_port that redirects to HTTPS (308).
          slipway: {
            listen: [`:${tls.httpsPort}`],
            routes: [{ "@id": routeId(routes.revision), match: [{ host: [tls.host] }], handle, terminal: true }],
          },
        },
      },
      ...tlsApps(tls),
    },
  };
}

/** The revision the config routes to, read back from Caddy's config (GET /config/); undefined when none or unreadable. */
export function servedRevision(configJson: string): number | undefined {
  let value: unknown;
  try {
    value = JSON.parse(configJson);
  } catch {
    return undefined;
  }
  const routes = (value as { apps?: { http?: { servers?: { slipway?: { routes?: unknown } } } } } | null)?.apps?.http?.servers?.slipway
    ?.routes;
  if (!Array.isArray(routes)) return undefined;
  const id = (routes[0] as { "@id"?: unknown } | undefined)?.["@id"];
  const match = typeof id === "string" ? /^slipway-r(\d+)$/.exec(id) : null;
  return match ? Number(match[1]) : undefined;
}

/** curl against the admin socket: exits non-zero (22) on an HTTP error, printing Caddy's error body. */
export function adminArgv(socket: string, method: "GET" | "POST", path: string, bodyFile?: string): string[] {
  return [
    "curl",
    "--silent",
    "--show-error",
    "--fail-with-body",
    "--max-time",
    "30",
    "--unix-socket",
    socket,
    "--request",
    method,
    ...(bodyFile === undefined ? [] : ["--header", "Content-Type: application/json", "--data-binary", `@${bodyFile}`]),
    `http://localhost${path}`,
  ];
}

/** `caddy run` with the last config slipway loaded (so a restarted Caddy routes where it did). */
export function caddyRunArgv(configFile: string): string[] {
  return ["caddy", "run", "--config", configFile];
}

/** The requests in flight to each upstream, from GET /reverse_proxy/upstreams; undefined when unreadable. */
export function upstreamRequests(json: string): Map<string, number> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const counts = new Map<string, number>();
  for (const entry of value) {
    const { address, num_requests: n } = (entry ?? {}) as { address?: unknown; num_requests?: unknown };
    if (typeof address === "string" && typeof n === "number") counts.set(address, n);
  }
  return counts;
}
