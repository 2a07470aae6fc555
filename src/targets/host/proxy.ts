/*
 * The host target's proxy: Caddy on the server, started through the `Host` as a plain process (its
 * Debian package's binary; not yet a container), its admin API on a unix socket in the
 * environment's folder. A switch writes the new release's slot files and renames the `current`
 * link onto them: Caddy reads the slot files at each request, so its config is not reloaded (see
 * effects/caddy-commands.ts for why a reload loses requests under load). The drain counts the
 * connections still open to the old containers in the server's socket table.
 */
import { join } from "node:path";
import {
  adminArgv,
  type CaddyTls,
  caddyConfig,
  caddyRunArgv,
  currentLink,
  establishedTo,
  releaseSlotDir,
  revisionOfLink,
  sameJson,
  servesArgv,
  slotAddresses,
  slotCount,
  slotsOfConfig,
  socketTablesArgv,
  switchLinkArgv,
  writeSlotsArgv,
} from "../../effects/caddy-commands.js";
import type { Host } from "../../effects/host.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";

export interface ProxyPlace {
  host: Host;
  /** <environment folder>/proxy on the host. */
  dir: string;
  /** `host:port` or `:port`. */
  listen: string;
  /** PATH (and anything else) Caddy and curl run with on the host. */
  env: Readonly<Record<string, string>>;
  /** HTTPS for ingress.host; undefined: plain HTTP on `listen`. */
  tls?: CaddyTls | undefined;
}

/**
 * The environment's HTTPS, if any: only with `ingress` (tls: true) and a target `tls` other than off
 * (unset: acme in a production environment, plain HTTP elsewhere).
 */
export function proxyTls(model: AppModel, production: boolean): CaddyTls | undefined {
  const target = model.target;
  if (target.type !== "host" || model.ingress === undefined || !model.ingress.tls) return undefined;
  const mode = target.tls ?? (production ? "acme" : "off");
  if (mode === "off") return undefined;
  return {
    host: model.ingress.host,
    issuer: mode,
    ...(mode === "acme" && target.acmeEmail !== undefined ? { email: target.acmeEmail } : {}),
    httpPort: target.port,
    httpsPort: target.httpsPort,
  };
}

/** Where the app answers: `https://ingress.host[:httpsPort]/` with TLS, else `http://server[:port]/`. */
export function proxyUrl(server: string, port: number, tls: CaddyTls | undefined): string {
  if (tls) return `https://${tls.host}${tls.httpsPort === 443 ? "" : `:${tls.httpsPort}`}/`;
  return `http://${server}${port === 80 ? "" : `:${port}`}/`;
}

export const socketOf = (place: Pick<ProxyPlace, "dir">) => join(place.dir, "admin.sock");
const configFile = (place: Pick<ProxyPlace, "dir">) => join(place.dir, "caddy.json");
const pidFile = (place: Pick<ProxyPlace, "dir">) => join(place.dir, "caddy.pid");

/** How Caddy is started on the host: by a deploy's switch, and by the boot script after a reboot. */
export function caddyStartRequest(place: Pick<ProxyPlace, "dir" | "env">) {
  return {
    command: caddyRunArgv(configFile(place)),
    cwd: place.dir,
    // Caddy keeps its own state (autosave, certificates) under the proxy folder, not $HOME.
    env: { ...place.env, HOME: place.dir, XDG_DATA_HOME: join(place.dir, "data"), XDG_CONFIG_HOME: join(place.dir, "config") },
    logFile: join(place.dir, "caddy.log"),
  };
}

/** curl's GET of Caddy's config over its admin socket: exit 0 when Caddy answers. */
export const caddyAnswersArgv = (place: Pick<ProxyPlace, "dir">) => adminArgv(socketOf(place), "GET", "/config/");

async function admin(place: ProxyPlace, method: "GET" | "POST", path: string, bodyFile?: string) {
  const lines: string[] = [];
  const result = await place.host.run({
    command: adminArgv(socketOf(place), method, path, bodyFile),
    cwd: "/",
    env: place.env,
    timeoutMs: 40_000,
    lastLineCount: 20,
    onLine: (line, stream) => {
      if (stream === "stdout") lines.push(line);
    },
  });
  return { ok: result.exitCode === 0, body: lines.join("\n"), error: result.lastLines.join(" | ") };
}

async function runOn(place: ProxyPlace, command: readonly string[]) {
  const lines: string[] = [];
  const result = await place.host.run({
    command,
    cwd: "/",
    env: place.env,
    timeoutMs: 40_000,
    lastLineCount: 20,
    onLine: (line, stream) => {
      if (stream === "stdout") lines.push(line);
    },
  });
  return { exitCode: result.exitCode, lines, error: result.lastLines.join(" | ") };
}

const linkOf = (place: Pick<ProxyPlace, "dir">) => join(place.dir, currentLink);

/** The revision Caddy routes to now (where `current` points); undefined when Caddy does not run or routes nowhere. */
export async function proxyServes(place: ProxyPlace): Promise<number | undefined> {
  const answer = await runOn(place, servesArgv(socketOf(place), linkOf(place)));
  return answer.exitCode === 0 ? revisionOfLink(answer.lines.join("")) : undefined;
}

/** Whether Caddy answers on its admin socket. */
async function running(place: ProxyPlace): Promise<boolean> {
  return (await place.host.exists(socketOf(place))) && (await admin(place, "GET", "/config/")).ok;
}

async function must(place: ProxyPlace, what: string, command: readonly string[]) {
  const result = await runOn(place, command);
  if (result.exitCode !== 0) throw new SlipwayError("DEPLOY_FAILED", `${what}: ${result.error}`);
}

/**
 * Routes the proxy to `upstreams` as `revision`: writes the release's slot files, then renames the
 * `current` link onto them (Caddy reads them at each request). Caddy's config is written (a
 * restarted Caddy starts from it) and loaded only when it changes; Caddy is started first when it
 * does not run. `revision` undefined: the 503 route.
 */
export async function route(place: ProxyPlace, revision: number | undefined, upstreams: readonly string[]): Promise<void> {
  const { host } = place;
  await host.makeDir(place.dir);
  const slots = revision === undefined ? 0 : slotCount(upstreams.length);
  if (revision !== undefined)
    await must(
      place,
      "cannot write the proxy's upstream files",
      writeSlotsArgv(join(place.dir, releaseSlotDir(revision)), slotAddresses(upstreams, slots)),
    );
  const link = async () => {
    if (revision !== undefined)
      await must(place, "cannot switch the proxy's link", switchLinkArgv(linkOf(place), releaseSlotDir(revision)));
  };
  const text = `${JSON.stringify(
    caddyConfig({ adminSocket: socketOf(place), listen: place.listen, gracePeriodSeconds: 20, tls: place.tls }, { dir: place.dir, slots }),
    null,
    2,
  )}\n`;
  const live = (await host.exists(socketOf(place))) ? await admin(place, "GET", "/config/") : undefined;
  if (!live?.ok) {
    await link();
    await host.writeFileAtomic(configFile(place), text, 0o600);
    // A socket left by a killed Caddy would make the new one fail to listen.
    await host.remove(socketOf(place));
    const proc = await host.start(caddyStartRequest(place));
    await host.writeFileAtomic(pidFile(place), `${JSON.stringify({ pid: proc.pid, startTime: proc.startTime })}\n`);
    for (let i = 0; i < 100; i++) {
      if ((await running(place)) && (revision === undefined || (await proxyServes(place)) === revision)) return;
      if (!(await host.isAlive(proc))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = await host.tail(join(place.dir, "caddy.log"), 5);
    throw new SlipwayError("DEPLOY_FAILED", `the proxy (caddy) did not start on the host: ${log.join(" | ")}`, {
      hint: `Is caddy installed on the host, and is ${place.listen} free? Its log: ${join(place.dir, "caddy.log")}.`,
    });
  }
  // Compared with what Caddy runs, not with the file: a deploy killed between the two leaves them apart.
  if (sameJson(live.body, text)) return link();
  // The route itself changes (its first slots, ports, TLS, more containers than slots): a config
  // load. The link moves first when the new route has at least the old one's slots (the new
  // release's folder has them all), else after the load, so no slot Caddy reads is ever missing.
  const grows = slots >= slotsOfConfig(live.body);
  if (grows) await link();
  await host.writeFileAtomic(configFile(place), text, 0o600);
  const answer = await admin(place, "POST", "/load", configFile(place));
  if (!answer.ok) throw new SlipwayError("DEPLOY_FAILED", `the proxy refused the new routes: ${answer.body || answer.error}`);
  if (!grows) await link();
}

/** Removes a pruned release's slot files. */
export async function removeSlots(place: ProxyPlace, revision: number): Promise<void> {
  await place.host.remove(join(place.dir, releaseSlotDir(revision)));
}

/**
 * Waits until no connection to `upstreams` is open on the server (Caddy keeps none alive, so each
 * is a request in flight). Returns the count still open when `timeoutMs` runs out.
 */
export async function drain(
  place: ProxyPlace,
  upstreams: readonly string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ drained: true } | { drained: false; inFlight: number }> {
  const deadline = Date.now() + timeoutMs;
  let inFlight = 0;
  for (;;) {
    const tables = await runOn(place, socketTablesArgv);
    inFlight = tables.exitCode === 0 ? establishedTo(tables.lines, upstreams) : 0;
    if (tables.exitCode === 0 && inFlight === 0) return { drained: true };
    if (signal?.aborted || Date.now() > deadline) return { drained: false, inFlight };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops Caddy (SIGTERM: it finishes in-flight requests); whether it was running. */
export async function stopProxy(place: ProxyPlace): Promise<boolean> {
  const text = await place.host.readText(pidFile(place));
  let identity: { pid: number; startTime?: string } | undefined;
  try {
    identity = text ? (JSON.parse(text) as { pid: number; startTime?: string }) : undefined;
  } catch {
    identity = undefined;
  }
  if (!identity || !Number.isSafeInteger(identity.pid)) return false;
  const result = await place.host.stop(identity, { graceMs: 10_000 });
  await place.host.remove(socketOf(place));
  await place.host.remove(pidFile(place));
  return result.wasRunning;
}
