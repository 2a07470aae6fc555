/*
 * Caddy as the host target's proxy, as data: its JSON config (one server on the target's port,
 * one reverse_proxy route to the serving release's containers) and the admin API calls, made with
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
  /** `host:port` or `:port` the app's traffic arrives on. */
  listen: string;
  /** How long a config change lets requests of the replaced config finish. */
  gracePeriodSeconds: number;
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
  return {
    // Caddy checks the Host header of admin requests against these; curl sends `localhost`.
    admin: { listen: `unix/${settings.adminSocket}`, origins: ["localhost"] },
    logging: { logs: { default: { level: "WARN" } } },
    apps: {
      http: {
        grace_period: `${settings.gracePeriodSeconds}s`,
        servers: {
          slipway: {
            listen: [settings.listen],
            // TLS comes with ingress.host (not in this slice): plain HTTP on the target's port.
            automatic_https: { disable: true },
            routes: [{ "@id": routeId(routes.revision), handle }],
          },
        },
      },
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
