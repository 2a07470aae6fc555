/*
 * The host target's proxy: Caddy as a container on the server's network (`proxyRunArgv`), its admin
 * API on a unix socket in the environment's proxy folder, which the container mounts at the same
 * path. A switch writes the new release's slot files and renames the `current` link onto them:
 * Caddy reads the slot files at each request, so its config is not reloaded (see
 * effects/caddy-commands.ts for why a reload loses requests under load). The drain counts the
 * connections still open to the old containers in the server's socket table.
 */
import { join } from "node:path";
import {
  adminArgv,
  type CaddyTls,
  caddyConfig,
  currentLink,
  establishedTo,
  proxyContainerName,
  proxyRunArgv,
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
import { type ContainerRuntime, logsArgv, parseState, removeArgv, stateArgv, stopArgv } from "../../effects/container-commands.js";
import { accessoryLabels, containerImageArgv, startArgv } from "../../effects/database-accessory-commands.js";
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
  runtime: ContainerRuntime;
  app: string;
  environment: string;
  /** Caddy's container: its name and image. */
  container: string;
  image: string;
  /** Brings the image to the server when it lacks it (a copy from this machine, or a pull there). */
  bringImage: (ref: string) => Promise<void>;
}

/** The proxy of the environment whose folder is `stateDir` (<dir>/<app>/<env> on the host). */
export function proxyPlace(p: Omit<ProxyPlace, "dir" | "container"> & { stateDir: string }): ProxyPlace {
  const { stateDir, ...rest } = p;
  return { ...rest, dir: join(stateDir, "proxy"), container: proxyContainerName(p.app, p.environment) };
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
/** curl's GET of Caddy's config over its admin socket: exit 0 when Caddy answers. */
export const caddyAnswersArgv = (place: Pick<ProxyPlace, "dir">) => adminArgv(socketOf(place), "GET", "/config/");

async function admin(place: ProxyPlace, method: "GET" | "POST", path: string, bodyFile?: string) {
  const result = await runOn(place, adminArgv(socketOf(place), method, path, bodyFile));
  return { ok: result.exitCode === 0, body: result.lines.join("\n"), error: result.error };
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

/** Caddy's config for the place with `slots` upstream slots (0: the 503 route), as written to caddy.json. */
function configText(place: ProxyPlace, slots: number): string {
  const settings = { adminSocket: socketOf(place), listen: place.listen, gracePeriodSeconds: 20, tls: place.tls };
  return `${JSON.stringify(caddyConfig(settings, { dir: place.dir, slots }), null, 2)}\n`;
}

async function proxyState(place: ProxyPlace) {
  const result = await runOn(place, stateArgv(place.runtime, place.container));
  return result.exitCode === 0 ? parseState(result.lines.join("\n")) : undefined;
}

/**
 * Starts Caddy's container from the config file and waits until its admin socket answers: a
 * stopped container is started again, a missing one is created (its image brought to the server
 * first when missing). Returns what it did.
 */
async function startProxy(place: ProxyPlace): Promise<string> {
  let state = await proxyState(place);
  let did = `proxy container ${place.container}: running`;
  let replaced = false;
  if (state?.running) {
    // Starting, or running over a socket that is gone (its folder removed): given 5 s, then replaced.
    for (let i = 0; i < 50; i++) {
      if (await running(place)) return did;
      await new Promise((r) => setTimeout(r, 100));
    }
    await must(place, `cannot remove the proxy container ${place.container}`, removeArgv(place.runtime, place.container));
    state = undefined;
    replaced = true;
  }
  // A socket left by a killed Caddy would make the new one fail to listen.
  await place.host.remove(socketOf(place));
  if (state) {
    await must(place, `cannot start the proxy container ${place.container}`, startArgv(place.runtime, place.container));
    did = `proxy container ${place.container}: started again (it was ${state.status})`;
  } else {
    await place.bringImage(place.image);
    const container = {
      name: place.container,
      image: place.image,
      dir: place.dir,
      labels: accessoryLabels(place.app, place.environment, "proxy"),
    };
    await must(place, `cannot start the proxy container ${place.container}`, proxyRunArgv(place.runtime, container));
    did = replaced
      ? `proxy container ${place.container}: replaced (it ran but did not answer on its admin socket)`
      : `proxy container ${place.container}: started (${place.image}, network host, port ${place.listen.replace(/^.*:/, "")})`;
  }
  for (let i = 0; i < 150; i++) {
    if (await running(place)) return did;
    if (i > 10 && !(await proxyState(place))?.running) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const logs = await runOn(place, logsArgv(place.runtime, place.container, 5));
  throw new SlipwayError("DEPLOY_FAILED", `the proxy (caddy) did not start on the host: ${logs.lines.join(" | ")}`, {
    hint: `Is ${place.listen} free on the server? Its log: \`${place.runtime} logs ${place.container}\`.`,
  });
}

/**
 * For `host setup`: Caddy's container runs and answers, from the config file a deploy left (or the
 * 503 route before the first deploy). Returns the change, or undefined when it already answered.
 */
export async function ensureProxy(place: ProxyPlace): Promise<string | undefined> {
  if (await running(place)) return undefined;
  await place.host.makeDir(place.dir);
  if ((await place.host.readText(configFile(place))) === undefined)
    await place.host.writeFileAtomic(configFile(place), configText(place, 0), 0o600);
  return startProxy(place);
}

/** The image Caddy's container runs, as named when it was created; undefined when there is none. */
export async function proxyImage(place: ProxyPlace): Promise<string | undefined> {
  const result = await runOn(place, containerImageArgv(place.runtime, place.container));
  return result.exitCode === 0 ? result.lines.join("").trim() || undefined : undefined;
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
  const text = configText(place, slots);
  const live = (await host.exists(socketOf(place))) ? await admin(place, "GET", "/config/") : undefined;
  if (!live?.ok) {
    await link();
    await host.writeFileAtomic(configFile(place), text, 0o600);
    await startProxy(place);
    if (revision !== undefined && (await proxyServes(place)) !== revision)
      throw new SlipwayError("DEPLOY_FAILED", `the proxy started but does not route to revision ${revision}`);
    return;
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

/**
 * Stops and removes Caddy's container (SIGTERM: it finishes in-flight requests) and leaves the 503
 * route in the config file with no `current` link, so a later `host setup` starts a Caddy that
 * routes nowhere, and the boot script (which needs the container) starts nothing. Whether it ran.
 */
export async function stopProxy(place: ProxyPlace): Promise<boolean> {
  const state = await proxyState(place);
  if (state === undefined) return false;
  await runOn(place, stopArgv(place.runtime, place.container, 10));
  await must(place, `cannot remove the proxy container ${place.container}`, removeArgv(place.runtime, place.container));
  await place.host.remove(socketOf(place));
  await place.host.remove(linkOf(place));
  await place.host.writeFileAtomic(configFile(place), configText(place, 0), 0o600);
  return state.running;
}
