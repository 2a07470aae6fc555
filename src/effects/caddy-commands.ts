/*
 * Caddy as the host target's proxy, as data: its JSON config (one server on the target's port,
 * or with TLS one HTTPS server for ingress.host plus Caddy's HTTP→HTTPS redirect; one
 * reverse_proxy route), the admin API calls, made with the host's curl over the admin unix socket
 * (never a TCP port: only users who can reach the folder can change the routes), and the files
 * a switch writes. Pure, unit-tested.
 *
 * Why a switch does not reload Caddy's config: every config change makes Caddy start new servers
 * and shut the old ones down, and Go's http.Server.Shutdown closes, without an answer, a
 * connection it accepted whose request it reads after the shutdown began (net/http's conn.serve);
 * on Linux, Caddy also binds a new SO_REUSEPORT socket per config, and connections queued on the
 * old one are reset when it closes. Measured with Caddy 2.6.2 and 2.11.9 (bench/caddy-reload.mjs):
 * 30 config loads under 4 request loops fail 8–46 requests, with net.ipv4.tcp_migrate_req=1 still
 * 22–31. So the route's upstreams are `{file.…}` placeholders, which Caddy reads at each request
 * (and again at each retry): `<proxy>/current/<slot>` holds one container's `127.0.0.1:port`, and
 * `current` is a symlink to the serving release's folder of slot files. A switch is one atomic
 * rename of that link; Caddy's config, servers and listeners stay as they are (0 failed requests
 * in the same measurement). The config changes only when its own settings do (ports, TLS, more
 * containers than slots).
 */

import type { ContainerRuntime } from "./container-commands.js";

/** The proxy's image when the spec names none: Caddy's official one (2.7 or newer has the `{file.*}` placeholder). */
export const defaultCaddyImage = "docker.io/library/caddy:2.11";

/** `slipway-<app>-<env>-proxy`, beside the release containers' `…-r<N>-<i>` and the database's `…-db`. */
export function proxyContainerName(app: string, environment: string): string {
  return `slipway-${app}-${environment}-proxy`;
}

export interface ProxyContainer {
  name: string;
  image: string;
  /** The proxy folder on the host, mounted at the same path (config, slot files, admin socket, certificates). */
  dir: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Caddy's container: on the server's own network (it listens on the target's ports and reaches the
 * containers' ports published on 127.0.0.1), the proxy folder mounted at the same path so the admin
 * socket, config and slot files have one name inside and out, a read-only root, every capability
 * dropped but binding ports below 1024, no privilege escalation. No restart policy: the boot script
 * starts it after a reboot, and `slipway down` removes it.
 */
export function proxyRunArgv(runtime: ContainerRuntime, c: ProxyContainer): string[] {
  const labels = Object.entries(c.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => ["--label", `${key}=${value}`]);
  return [
    runtime,
    "run",
    "--detach",
    "--name",
    c.name,
    ...labels,
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
    `${c.dir}:${c.dir}`,
    "--workdir",
    c.dir,
    // Caddy keeps its state (autosave, certificates, its local CA) under the proxy folder.
    "--env",
    `HOME=${c.dir}`,
    "--env",
    `XDG_DATA_HOME=${c.dir}/data`,
    "--env",
    `XDG_CONFIG_HOME=${c.dir}/config`,
    c.image,
    "caddy",
    "run",
    "--config",
    `${c.dir}/caddy.json`,
  ];
}

/** The route: `slots` upstreams read from the slot files under `dir`; 0 slots: nothing deployed yet (503). */
export interface CaddyRoutes {
  /** The proxy folder on the host (holds `current`, the link to the serving release's slot files). */
  dir: string;
  slots: number;
}

/** The link to the serving release's slot folder, relative to the proxy folder. */
export const currentLink = "current";

/** The slot folder of a release, relative to the proxy folder (what `current` points to). */
export function releaseSlotDir(revision: number): string {
  return `releases/r${revision}`;
}

/**
 * How many upstream slots a route has for `containers` containers: 12 (each of 1, 2, 3, 4 or 6
 * containers gets an equal share of the round robin), or one a container above 12.
 */
export function slotCount(containers: number): number {
  return containers <= 0 ? 0 : Math.max(12, containers);
}

/** The address each slot file holds: the containers in turn. */
export function slotAddresses(upstreams: readonly string[], slots: number): string[] {
  return Array.from({ length: slots }, (_, i) => upstreams[i % upstreams.length] as string);
}

/** Slot `i`'s dial address: Caddy's `{file.*}` placeholder, read at each request. */
export function slotDial(dir: string, slot: number): string {
  return `{file.${dir}/${currentLink}/${slot}}`;
}

/** The revision a `current` link's target names (`releases/r12` → 12); undefined for anything else. */
export function revisionOfLink(target: string): number | undefined {
  const match = /^releases\/r(\d+)$/.exec(target.trim());
  return match ? Number(match[1]) : undefined;
}

/** Whether two JSON texts hold the same value, whatever their key order and spacing (Caddy's GET /config/ sorts keys). */
export function sameJson(a: string, b: string): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  try {
    return JSON.stringify(canonical(JSON.parse(a))) === JSON.stringify(canonical(JSON.parse(b)));
  } catch {
    return false;
  }
}

/** How many slots a config's route has (0: the 503 route, or not a config of ours). */
export function slotsOfConfig(configJson: string | undefined): number {
  if (configJson === undefined) return 0;
  let value: unknown;
  try {
    value = JSON.parse(configJson);
  } catch {
    return 0;
  }
  const routes = (value as { apps?: { http?: { servers?: { slipway?: { routes?: unknown } } } } } | null)?.apps?.http?.servers?.slipway
    ?.routes;
  const handle = Array.isArray(routes) ? (routes[0] as { handle?: unknown } | undefined)?.handle : undefined;
  const upstreams = Array.isArray(handle) ? (handle[0] as { upstreams?: unknown } | undefined)?.upstreams : undefined;
  return Array.isArray(upstreams) ? upstreams.length : 0;
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
 * Caddy's tls app for `tls`, in the shape `caddy adapt` (2.11.9) gives a site block with `tls internal`
 * or `tls EMAIL` (Let's Encrypt, then ZeroSSL's ACME directory; the ACME challenges on the target's
 * ports when they are not 80/443); `install_trust: false` (the Caddyfile's `skip_install_trust`) keeps
 * Caddy's local CA out of the server's system trust store.
 */
function tlsApps(tls: CaddyTls): Record<string, unknown> {
  const challenges =
    tls.httpPort !== 80 || tls.httpsPort !== 443
      ? { challenges: { http: { alternate_port: tls.httpPort }, "tls-alpn": { alternate_port: tls.httpsPort } } }
      : {};
  const issuers =
    tls.issuer === "internal"
      ? [{ module: "internal" }]
      : tls.email !== undefined
        ? [
            { ...challenges, email: tls.email, module: "acme" },
            { ca: "https://acme.zerossl.com/v2/DV90", ...challenges, email: tls.email, module: "acme" },
          ]
        : undefined;
  return {
    tls: { automation: { policies: [{ subjects: [tls.host], ...(issuers ? { issuers } : {}) }] } },
    ...(tls.issuer === "internal" ? { pki: { certificate_authorities: { local: { install_trust: false } } } } : {}),
  };
}

/** The id of the app route. */
export const routeId = "slipway";

/** Caddy's whole config: the admin socket, one HTTP server, the route to the serving release's slots (or a 503). */
export function caddyConfig(settings: CaddySettings, routes: CaddyRoutes): Record<string, unknown> {
  const handle =
    routes.slots === 0
      ? [{ handler: "static_response", status_code: 503, body: "no release serves here yet\n" }]
      : [
          {
            handler: "reverse_proxy",
            // No keep-alive to the containers: each proxied request is one connection, so the drain
            // counts the old release's requests in flight in the server's socket table.
            transport: { protocol: "http", keep_alive: { enabled: false } },
            upstreams: Array.from({ length: routes.slots }, (_, i) => ({ dial: slotDial(routes.dir, i) })),
            // A request whose upstream refuses (a container stopping) is retried for up to 5 s; each
            // try reads the slot file again, so a retry after a switch goes to the new release.
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
              routes: [{ "@id": routeId, handle }],
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
            routes: [{ "@id": routeId, match: [{ host: [tls.host] }], handle, terminal: true }],
          },
        },
      },
      ...tlsApps(tls),
    },
  };
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

/** Writes a release's slot files (`dir`/0, 1, …; each through a temp file and `mv`), one address a file. */
export function writeSlotsArgv(dir: string, addresses: readonly string[]): string[] {
  return [
    "sh",
    "-c",
    'd=$1; shift; mkdir -p "$d" || exit 1; i=0; for a in "$@"; do printf \'%s\\n\' "$a" >"$d/$i.tmp" && mv -f "$d/$i.tmp" "$d/$i" || exit 1; i=$((i + 1)); done',
    "sh",
    dir,
    ...addresses,
  ];
}

/** Points `link` at `target` atomically: a new link beside it, renamed over it (`mv -T`: the link itself, not into its folder). */
export function switchLinkArgv(link: string, target: string): string[] {
  return ["sh", "-c", 'ln -sfn "$2" "$1.tmp" && mv -fT "$1.tmp" "$1"', "sh", link, target];
}

/**
 * Exits 3 when Caddy does not answer on its admin socket; else prints where `link` points (nothing
 * when there is no link).
 */
export function servesArgv(socket: string, link: string): string[] {
  return [
    "sh",
    "-c",
    'test -S "$1" && curl --silent --fail --max-time 30 --unix-socket "$1" http://localhost/config/ >/dev/null || exit 3; readlink "$2" || true',
    "sh",
    socket,
    link,
  ];
}

/** The server's TCP socket tables (IPv4 and IPv6), read by `establishedTo`. */
export const socketTablesArgv = ["cat", "/proc/net/tcp", "/proc/net/tcp6"] as const;

const loopbackHex = new Set(["0100007F", "0000000000000000FFFF00000100007F"]);

/**
 * How many ESTABLISHED connections go to each of `upstreams` (`127.0.0.1:port`), from
 * /proc/net/tcp{,6} lines: with keep-alive off, one per request Caddy has in flight to it.
 */
export function establishedTo(lines: readonly string[], upstreams: readonly string[]): number {
  const ports = new Set(upstreams.map((u) => Number(/:(\d+)$/.exec(u)?.[1] ?? Number.NaN)));
  let count = 0;
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st …
    const [rem, st] = [fields[2], fields[3]];
    if (st !== "01" || rem === undefined) continue;
    const [addr, portHex] = rem.split(":");
    if (addr === undefined || portHex === undefined || !loopbackHex.has(addr.toUpperCase())) continue;
    if (ports.has(Number.parseInt(portHex, 16))) count++;
  }
  return count;
}
