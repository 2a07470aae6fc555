/*
 * The `host` target's engine side: the deploy engine's DeployTarget over a `Host` (SSH in
 * production, this machine in tests) and a container runtime on it. A release is N containers of
 * the image, each published on a free 127.0.0.1 port of the host; Caddy on the host routes the
 * target's port to the serving release. Boot beside the old release, health gate through the host,
 * switch by loading Caddy's config, drain by Caddy's in-flight counts, then stop the old containers.
 */
import { join } from "node:path";
import { DeployFailure, type DeployTarget, type ReleaseContext } from "../../deploy/engine.js";
import { firstErrorBlock } from "../../deploy/error-block.js";
import type { Evidence, Reporter } from "../../deploy/events.js";
import { currentRelease, type HistoryStore, type ReleaseRecord } from "../../deploy/history.js";
import type { CaddyTls } from "../../effects/caddy-commands.js";
import {
  type Confinement,
  type ContainerRuntime,
  containerName,
  envFileText,
  imageIdArgv,
  isNoSuchContainer,
  labelKeys,
  listArgv,
  logsArgv,
  parseState,
  pullArgv,
  removeArgv,
  runArgv,
  runOnceArgv,
  stateArgv,
  stopArgv,
} from "../../effects/container-commands.js";
import type { Host } from "../../effects/host.js";
import type { AppModel } from "../../model/app-model.js";
import { databaseUrl } from "../../render/database-url.js";
import { probeHost } from "../../render/probe-host.js";
import type { Redactor } from "../../secrets/redact.js";
import { AccessoryError, accessoryPlace, ensureAccessoryRunning, namesOf, readDatabasePassword, unsupportedDatabase } from "./database.js";
import { imageStep, needsLocalImageCheck, pullHint } from "./image-transfer.js";
import { drain, type ProxyPlace, proxyPlace, proxyServes, removeSlots, route } from "./proxy.js";
import { releaseEnv } from "./release-env.js";

/** The pods' securityContext and limits for this model (parity with the Kubernetes target). */
export const confinementOf = (model: AppModel): Confinement => ({
  user: model.runAs.user,
  group: model.runAs.group,
  memory: model.resources.limits.memory,
  cpu: model.resources.limits.cpu,
});

export interface HostTargetOptions {
  /** The app and environment whose containers this target owns (their labels). */
  app: string;
  environment: string;
  host: Host;
  runtime: ContainerRuntime;
  /** The environment the runtime, curl and caddy run with on the host (PATH; tests add their Podman config). */
  hostEnv: Readonly<Record<string, string>>;
  /** This environment's folder on the host: <dir>/<app>/<environment>. */
  stateDir: string;
  /** Where Caddy listens on the host: `:80`, `127.0.0.1:8080`. */
  listen: string;
  /** HTTPS for ingress.host (then `listen`'s port redirects to it); undefined: plain HTTP. */
  tls?: CaddyTls | undefined;
  /** What `url()` reports. */
  publicUrl: string;
  /** Caddy's image (targets.<t>.proxy.image, else Caddy's official one). */
  proxyImage: string;
  /** Brings the proxy's image to the host when it lacks it (see session.ts imageBringer). */
  bringProxyImage: (ref: string) => Promise<void>;
  /** The app's secret values, by name. */
  secrets: Readonly<Record<string, string>>;
  redactor: Redactor;
  healthTimeoutMs?: number | undefined;
  /** Brings an image that is missing on the host there (`save | ssh load`); undefined: only images already on the host deploy. */
  transferImage?: ((ref: string) => Promise<void>) | undefined;
  /**
   * Whether this machine has the image (imageTransfer `auto` copies it then, else pulls on the host);
   * undefined: taken as yes when `transferImage` is given (a copy is tried, as before pulls existed).
   */
  imageHere?: ((ref: string) => Promise<boolean>) | undefined;
}

export interface HostContainer {
  name: string;
  /** Its published port on the host's 127.0.0.1. */
  port: number;
}

/** The containers a release record lists (`runtime.containers`). */
export function containersOf(runtime: Record<string, unknown> | undefined): HostContainer[] {
  const list = runtime?.containers;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is HostContainer =>
      typeof c === "object" &&
      c !== null &&
      typeof (c as HostContainer).name === "string" &&
      Number.isSafeInteger((c as HostContainer).port),
  );
}

const upstreamsOf = (containers: readonly HostContainer[]) => containers.map((c) => `127.0.0.1:${c.port}`);

export function hostTarget(options: HostTargetOptions): DeployTarget & {
  /** The running state of a container; undefined when there is none of that name. */
  containerState(name: string): Promise<ReturnType<typeof parseState>>;
  /** The last lines of a container's output, redacted. */
  containerLogs(name: string, lines: number): Promise<string[]>;
  /** Every container of this environment (any revision), by name. */
  environmentContainers(model: AppModel): Promise<string[]>;
  /**
   * Runs the migrate command of a release (its image, a one-off container on the environment's
   * network) against another database of the accessory, as the app user: `slipway db drill`'s copy.
   */
  migrateCopy(
    model: AppModel,
    release: { revision: number; image: string },
    database: string,
  ): Promise<{ exitCode: number | null; signal?: string | null; lastLines: string[] }>;
  proxy: ProxyPlace;
} {
  const { host, runtime, redactor } = options;
  redactor.add(Object.values(options.secrets));
  const proxy = proxyPlace({
    host,
    stateDir: options.stateDir,
    listen: options.listen,
    env: options.hostEnv,
    tls: options.tls,
    runtime,
    app: options.app,
    environment: options.environment,
    image: options.proxyImage,
    bringImage: options.bringProxyImage,
  });

  const releaseDir = (revision: number) => join(options.stateDir, "releases", String(revision));
  const redact = (line: string) => redactor.text(line);

  const run = async (
    command: readonly string[],
    extra: { timeoutMs?: number; onLine?: (line: string, stream: "stdout" | "stderr") => void; signal?: AbortSignal } = {},
  ) =>
    host.run({
      command,
      cwd: "/",
      env: options.hostEnv,
      timeoutMs: extra.timeoutMs ?? 120_000,
      lastLineCount: 40,
      ...(extra.signal ? { signal: extra.signal } : {}),
      ...(extra.onLine ? { onLine: (line: string, stream: "stdout" | "stderr") => extra.onLine?.(line, stream) } : {}),
    });

  const containerState = async (name: string) => {
    const lines: string[] = [];
    const result = await run(stateArgv(runtime, name), { timeoutMs: 30_000, onLine: (l) => lines.push(l) });
    return result.exitCode === 0 ? parseState(lines.join("\n")) : undefined;
  };
  const containerLogs = async (name: string, count: number) => {
    const lines: string[] = [];
    await run(logsArgv(runtime, name, count), { timeoutMs: 30_000, onLine: (l) => lines.push(l) });
    return lines.slice(-count).map(redact);
  };
  const remove = async (name: string) => {
    const result = await run(removeArgv(runtime, name), { timeoutMs: 60_000 });
    if (result.exitCode !== 0 && !isNoSuchContainer(result.lastLines))
      throw new DeployFailure({
        class: "switch-failed",
        message: `cannot remove container ${name}`,
        evidence: { logTail: result.lastLines.map(redact) },
      });
  };
  const stop = async (name: string, graceSeconds: number) => {
    await run(stopArgv(runtime, name, graceSeconds), { timeoutMs: (graceSeconds + 30) * 1000 });
  };
  const environmentContainers = async (model: AppModel) => {
    const names: string[] = [];
    await run(listArgv(runtime, { [labelKeys.app]: model.name, [labelKeys.environment]: model.environment }), {
      timeoutMs: 30_000,
      onLine: (l) => names.push(l.trim()),
    });
    return names.filter(Boolean);
  };
  const anyRunning = async (containers: readonly HostContainer[]) =>
    (await Promise.all(containers.map(async (c) => (await containerState(c.name))?.running === true))).some(Boolean);
  const labels = (model: AppModel, revision: number) => ({
    [labelKeys.app]: model.name,
    [labelKeys.environment]: model.environment,
    [labelKeys.revision]: String(revision),
  });

  const place = (model: AppModel) => accessoryPlace(model, host, options.hostEnv, options.stateDir);
  /** Database passwords read from the server (0600 files there), each registered with the redactor. */
  const passwords: { app?: string; admin?: string } = {};
  const databasePassword = async (who: "app" | "admin"): Promise<string> => {
    const known = passwords[who];
    if (known !== undefined) return known;
    const value = await readDatabasePassword(host, options.stateDir, who);
    if (value === undefined)
      throw new DeployFailure({
        class: "database-unreachable",
        message: `the database ${who === "app" ? "app user" : "admin"}'s password is not on the server (${join(options.stateDir, "db", `${who}.password`)}): run \`slipway host setup -e ${options.environment}\``,
        evidence: {},
      });
    options.redactor.add([value]);
    passwords[who] = value;
    return value;
  };
  /** DB_* and DATABASE_URL towards the accessory (by its container name on the environment's network); the setup phase connects as the admin. */
  const databaseEnv = async (model: AppModel, phase: "setup" | "migrate" | "web"): Promise<Record<string, string>> => {
    const db = model.database;
    const at = place(model);
    if (!db || !at) return {};
    const admin = phase === "setup";
    const user = admin ? db.adminUser : db.user;
    const password = await databasePassword(admin ? "admin" : "app");
    const dbHost = namesOf(at).container;
    const env: Record<string, string> = {
      DB_ENGINE: db.engine,
      DB_HOST: dbHost,
      DB_PORT: String(db.port),
      DB_NAME: db.name,
      DB_USER: user,
      DB_PASSWORD: password,
      DATABASE_URL: databaseUrl({ scheme: db.urlScheme, user, password, host: dbHost, port: db.port, name: db.name }),
    };
    if (admin) {
      env.DB_APP_USER = db.user;
      env.DB_APP_PASSWORD = await databasePassword("app");
    }
    return env;
  };
  const networkOf = (model: AppModel) => {
    const at = place(model);
    return at ? namesOf(at).network : undefined;
  };

  /** Writes the release's env file (0600) on the host: secrets reach the container through it, never a command line. */
  const writeEnvFile = async (
    ctx: Pick<ReleaseContext, "model" | "revision">,
    phase: "setup" | "migrate" | "web" = "web",
    copy?: { database: string; file: string },
  ): Promise<string> => {
    const dbEnv = await databaseEnv(ctx.model, phase);
    const db = ctx.model.database;
    if (copy && db && dbEnv.DB_HOST !== undefined && dbEnv.DB_PASSWORD !== undefined) {
      dbEnv.DB_NAME = copy.database;
      dbEnv.DATABASE_URL = databaseUrl({
        scheme: db.urlScheme,
        user: db.user,
        password: dbEnv.DB_PASSWORD,
        host: dbEnv.DB_HOST,
        port: db.port,
        name: copy.database,
      });
    }
    const env = releaseEnv({
      app: ctx.model.name,
      environment: ctx.model.environment,
      revision: ctx.revision,
      port: ctx.model.port,
      phase,
      plain: ctx.model.env,
      secrets: options.secrets,
      database: dbEnv,
    });
    const text = envFileText(env);
    if ("multiLine" in text)
      throw new DeployFailure({
        class: "prepare-failed",
        message: `${text.multiLine.join(", ")}: a value with a line break cannot be passed to a container by the host target yet (the runtime's --env-file holds one line per variable)`,
        evidence: { detail: "Encode the value on one line (base64, \\n escapes) and decode it in the app." },
      });
    // The setup phase's file holds the admin password: its own, removed when the phase ends.
    const file = copy ? copy.file : join(releaseDir(ctx.revision), phase === "setup" ? "setup.env" : "app.env");
    await host.makeDir(releaseDir(ctx.revision));
    await host.writeFileAtomic(file, text.text, 0o600);
    return file;
  };

  /** Removes every release's setup.env (and a drill's env file) a killed command left on the server. */
  const removeLeftoverSetupEnv = async () => {
    await run([
      "sh",
      "-c",
      'for f in "$1"/*/setup.env "$1"/*/drill-*.env; do [ -e "$f" ] && rm -f "$f"; done; exit 0',
      "sh",
      join(options.stateDir, "releases"),
    ]);
  };

  const imageRef = (ctx: ReleaseContext) => (ctx.rollbackOf?.artifact.kind === "image" ? ctx.rollbackOf.artifact.ref : ctx.model.image.ref);
  const imagePresent = async (ref: string) => (await run(imageIdArgv(runtime, ref), { timeoutMs: 30_000 })).exitCode === 0;
  /** `runtime pull REF` on the host, with host.env's settings (registries.conf, the credentials of `runtime login` there). */
  const pull = async (ctx: ReleaseContext, ref: string) => {
    ctx.reporter.emit({ type: "log", phase: "prepare", stream: "stdout", line: `pulling image ${ref} on the host` });
    const errors: string[] = [];
    const result = await run(pullArgv(runtime, ref), {
      timeoutMs: 15 * 60_000,
      onLine: (line, stream) => {
        if (stream !== "stderr" || line.trim() === "") return;
        errors.push(line);
        if (errors.length > 20) errors.shift();
      },
    });
    if (result.exitCode === 0) return;
    const tail = (errors.length > 0 ? errors : result.lastLines.slice(-20)).map(redact);
    const last = tail.at(-1)?.trim();
    throw new DeployFailure({
      class: "image-pull",
      message: `image ${ref} could not be pulled on the host${result.timedOut ? " (timed out after 15 min)" : last ? `: ${last}` : ""}`,
      evidence: {
        exitCode: result.exitCode,
        logTail: tail,
        detail: pullHint(runtime, ref),
      },
    });
  };

  return {
    name: "host",
    proxy,
    containerState,
    containerLogs,
    environmentContainers,
    url: () => options.publicUrl,

    async migrateCopy(model: AppModel, release: { revision: number; image: string }, database: string) {
      const command = model.release.migrate;
      if (!command) return { exitCode: 0, lastLines: [] };
      const file = join(releaseDir(release.revision), `drill-${database}.env`);
      const envFile = await writeEnvFile({ model, revision: release.revision }, "migrate", { database, file });
      const name = `${containerName(model.name, model.environment, release.revision, 0)}-drill`;
      await remove(name);
      try {
        const result = await run(
          runOnceArgv(runtime, {
            name,
            image: release.image,
            labels: labels(model, release.revision),
            envFile,
            command,
            network: networkOf(model),
            confinement: confinementOf(model),
          }),
          { timeoutMs: 30 * 60_000 },
        );
        return { exitCode: result.exitCode, signal: result.signal, lastLines: result.lastLines.map(redact) };
      } finally {
        await host.remove(envFile).catch(() => undefined);
      }
    },

    async recover(history: HistoryStore, reporter: Reporter, model: AppModel) {
      // A deploy killed during release.setup can leave its setup.env (the admin password) behind.
      await removeLeftoverSetupEnv();
      const served = await proxyServes(proxy);
      const records = await history.list();
      for (const record of records) {
        if (record.outcome !== "in-progress") continue;
        const containers = containersOf(record.runtime);
        if (served === record.revision && containers.length > 0 && (await anyRunning(containers))) {
          record.outcome = "succeeded";
          record.finishedAt = new Date().toISOString();
          await history.put(record);
          reporter.emit({
            type: "recovered",
            revision: record.revision,
            action: "the interrupted release was already serving; marked it succeeded",
          });
          continue;
        }
        record.outcome = "interrupted";
        record.finishedAt = new Date().toISOString();
        record.failure = {
          class: "interrupted",
          message: `revision ${record.revision} was interrupted before it served; its containers were stopped`,
          evidence: {},
        };
        await history.put(record);
        reporter.emit({
          type: "recovered",
          revision: record.revision,
          action: "marked an interrupted release (it never served) as interrupted",
        });
      }
      // Only what serves keeps running: the proxy's release and the newest successful one.
      const keep = new Set(
        [served, currentRelease(await history.list())?.revision].filter((r): r is number => r !== undefined).map(String),
      );
      for (const name of await environmentContainers(model)) {
        const revision = /-r(\d+)-\d+$/.exec(name)?.[1];
        if (revision !== undefined && keep.has(revision)) continue;
        const state = await containerState(name);
        if (!state?.running) continue;
        await stop(name, 5);
        reporter.emit({ type: "recovered", revision: Number(revision ?? 0), action: `stopped container ${name}, which does not serve` });
      }
    },

    async prepare(ctx: ReleaseContext) {
      const ref = imageRef(ctx);
      const mode = ctx.model.target.type === "host" ? ctx.model.target.imageTransfer : "copy";
      const onServer = await imagePresent(ref);
      const here =
        needsLocalImageCheck(mode, onServer) && (options.imageHere ? await options.imageHere(ref) : options.transferImage !== undefined);
      const step = imageStep(mode, { onServer, here });
      if (step === "copy" && options.transferImage) {
        ctx.reporter.emit({ type: "log", phase: "prepare", stream: "stdout", line: `copying image ${ref} to the host (save | load)` });
        try {
          await options.transferImage(ref);
        } catch (error) {
          throw new DeployFailure({
            class: "image-pull",
            message: `image ${ref} could not be copied to the host`,
            evidence: { detail: redact(error instanceof Error ? error.message : String(error)) },
          });
        }
      }
      if (step === "pull") await pull(ctx, ref);
      if (step !== "none" && !(await imagePresent(ref)))
        throw new DeployFailure({
          class: "image-pull",
          message: `image ${ref} is not on the host`,
          evidence: { detail: `\`${runtime} image inspect ${ref}\` on the host found no such image` },
        });
      return { kind: "image", ref };
    },

    async ensureDatabase(ctx: ReleaseContext) {
      const db = ctx.model.database;
      const at = place(ctx.model);
      if (!db || !at) return { firstTime: false };
      const hint = `run \`slipway host setup -e ${ctx.model.environment}\`, which creates and starts it`;
      const unsupported = unsupportedDatabase(db);
      if (unsupported !== undefined)
        throw new DeployFailure({ class: "database-unreachable", message: `database: ${unsupported}`, evidence: {} });
      try {
        await ensureAccessoryRunning(at, (line) => ctx.reporter.emit({ type: "log", phase: "setup", stream: "stdout", line }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new DeployFailure({
          class: "database-unreachable",
          message: `database: ${message}: ${hint}`,
          evidence: {
            detail: `container ${namesOf(at).container}, volume ${namesOf(at).volume}, network ${namesOf(at).network}`,
            ...(error instanceof AccessoryError && error.lastLines.length > 0 ? { logTail: error.lastLines.map(redact) } : {}),
          },
        });
      }
      await databasePassword("app");
      return { firstTime: false };
    },

    async runCommand(ctx: ReleaseContext, phase: "setup" | "migrate", command: readonly string[]) {
      const envFile = await writeEnvFile(ctx, phase);
      const name = `${containerName(ctx.model.name, ctx.model.environment, ctx.revision, 0)}-${phase}`;
      await remove(name);
      const result = await run(
        runOnceArgv(runtime, {
          name,
          image: imageRef(ctx),
          labels: labels(ctx.model, ctx.revision),
          envFile,
          command,
          network: networkOf(ctx.model),
          confinement: confinementOf(ctx.model),
        }),
        {
          timeoutMs: 30 * 60_000,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          onLine: (line) => ctx.reporter.emit({ type: "log", phase, stream: "stdout", line: redact(line) }),
        },
      ).finally(async () => {
        if (phase === "setup") await host.remove(envFile).catch(() => undefined);
      });
      if (result.exitCode !== 0) {
        const tail = result.lastLines.map(redact);
        const firstError = firstErrorBlock(tail);
        throw new DeployFailure({
          class: phase === "migrate" ? "migration-failed" : "setup-failed",
          message: `${phase}: \`${command.join(" ")}\` exited with ${result.exitCode ?? `signal ${result.signal}`}; no traffic moved`,
          evidence: { exitCode: result.exitCode, logTail: tail, ...(firstError ? { firstError } : {}) },
        });
      }
    },

    async start(ctx: ReleaseContext) {
      const envFile = await writeEnvFile(ctx);
      const containers: HostContainer[] = [];
      const command = ctx.model.command ? [...ctx.model.command, ...(ctx.model.args ?? [])] : undefined;
      for (let i = 1; i <= Math.max(1, ctx.model.replicas.min); i++) {
        const name = containerName(ctx.model.name, ctx.model.environment, ctx.revision, i);
        // A container of this name can only be left by a killed deploy of the same revision number.
        await remove(name);
        const port = await host.freePort();
        const result = await run(
          runArgv(runtime, {
            name,
            image: imageRef(ctx),
            labels: labels(ctx.model, ctx.revision),
            envFile,
            hostPort: port,
            containerPort: ctx.model.port,
            command,
            network: networkOf(ctx.model),
            confinement: confinementOf(ctx.model),
          }),
        );
        if (result.exitCode !== 0)
          throw new DeployFailure({
            class: "process-exited",
            message: `container ${name} did not start (\`${runtime} run\` exited with ${result.exitCode})`,
            evidence: { exitCode: result.exitCode, logTail: result.lastLines.map(redact) },
          });
        containers.push({ name, port });
      }
      return { containers };
    },

    async healthGate(ctx: ReleaseContext, runtimeFacts: Record<string, unknown>) {
      const timeoutMs = options.healthTimeoutMs ?? ctx.model.health.startup.timeoutSeconds * 1000;
      await Promise.all(
        containersOf(runtimeFacts).map(async (container, index) => {
          const where = `container ${index + 1} (${container.name}, port ${container.port})`;
          const evidence = async (extra: Evidence): Promise<Evidence> => {
            const log = await containerLogs(container.name, 200).catch(() => []);
            const firstError = firstErrorBlock(log);
            return { ...extra, port: container.port, logTail: log.slice(-20), ...(firstError ? { firstError } : {}) };
          };
          const deadline = Date.now() + timeoutMs;
          const url = `http://127.0.0.1:${container.port}${ctx.model.health.readiness}`;
          let answered = false;
          let badSince: number | undefined;
          let last: { status?: number; error?: string } = {};
          let unreadable = 0;
          for (;;) {
            if (ctx.signal?.aborted) return;
            const state = await containerState(container.name);
            // An inspect that fails or prints no state (a busy runtime, a lock timeout) is not an
            // exit: only a state that says so, or five unreadable ones in a row, fails the release.
            if (state === undefined && ++unreadable < 5) {
              await new Promise((r) => setTimeout(r, 500));
              continue;
            }
            if (state !== undefined) unreadable = 0;
            if (!state?.running) {
              throw new DeployFailure({
                class: state?.oomKilled ? "oom-killed" : "process-exited",
                message: `${where}: the container exited${answered ? " during the health check" : " before it answered"}${state ? ` (exit ${state.exitCode})` : ""}`,
                evidence: await evidence({ exitCode: state?.exitCode ?? null }),
              });
            }
            const probe = await host.httpGet(url, 2_000, { host: probeHost });
            if (probe.ok && probe.status >= 200 && probe.status < 400) return;
            if (probe.ok) answered = true;
            last = probe.ok ? { status: probe.status } : { error: probe.message };
            if (probe.ok) badSince ??= Date.now();
            if (probe.ok && badSince !== undefined && Date.now() - badSince > 10_000)
              throw new DeployFailure({
                class: "health-failed",
                message: `${where}: ${ctx.model.health.readiness} answered ${probe.status}`,
                evidence: await evidence({ httpStatus: probe.status, httpBody: redact(probe.body) }),
              });
            if (Date.now() > deadline) {
              if (!answered)
                throw new DeployFailure({
                  class: "port-never-opened",
                  message: `${where}: nothing answered on port ${ctx.model.port} of the container within ${Math.round(timeoutMs / 1000)} s`,
                  evidence: await evidence({ detail: last.error ?? "" }),
                });
              throw new DeployFailure({
                class: "health-timeout",
                message: `${where}: ${ctx.model.health.readiness} did not answer 2xx or 3xx within ${Math.round(timeoutMs / 1000)} s`,
                evidence: await evidence({ ...(last.status ? { httpStatus: last.status } : {}), detail: last.error ?? "" }),
              });
            }
            await new Promise((r) => setTimeout(r, 250));
          }
        }),
      );
    },

    async switchTo(ctx: ReleaseContext, runtimeFacts: Record<string, unknown>) {
      try {
        await route(proxy, ctx.revision, upstreamsOf(containersOf(runtimeFacts)));
      } catch (error) {
        throw new DeployFailure({
          class: "switch-failed",
          message: `switch: ${error instanceof Error ? error.message : String(error)}`,
          evidence: { detail: options.listen },
        });
      }
    },

    async switchBack(ctx: ReleaseContext) {
      if (!ctx.previous) return;
      await route(proxy, ctx.previous.revision, upstreamsOf(containersOf(ctx.previous.runtime)));
    },

    async retire(record: ReleaseRecord, reporter: Reporter, signal?: AbortSignal) {
      const containers = containersOf(record.runtime);
      if (containers.length === 0) return;
      reporter.emit({
        type: "waiting",
        phase: "drain",
        message: `draining revision ${record.revision} (${containers.length} container(s))`,
      });
      const drained = await drain(proxy, upstreamsOf(containers), 30_000, signal);
      if (!drained.drained)
        reporter.emit({ type: "waiting", phase: "drain", message: `${drained.inFlight} request(s) still open; stopping anyway` });
      reporter.emit({ type: "waiting", phase: "drain", message: `stopping revision ${record.revision}'s container(s)` });
      // Stopped, not removed: its logs stay readable until the release is pruned.
      await Promise.all(containers.map((c) => stop(c.name, signal?.aborted ? 5 : 30)));
    },

    async abandon(_ctx: ReleaseContext, runtimeFacts: Record<string, unknown>) {
      await Promise.all(containersOf(runtimeFacts).map((c) => stop(c.name, 3)));
    },

    async isServing(record: ReleaseRecord) {
      return (await proxyServes(proxy).catch(() => undefined)) === record.revision && (await anyRunning(containersOf(record.runtime)));
    },

    async prune(revisions: readonly number[]) {
      const served = await proxyServes(proxy).catch(() => undefined);
      for (const revision of revisions) {
        if (revision === served) continue;
        const names: string[] = [];
        const only = { [labelKeys.app]: options.app, [labelKeys.environment]: options.environment, [labelKeys.revision]: String(revision) };
        await run(listArgv(runtime, only), { onLine: (l) => names.push(l.trim()) });
        for (const name of names.filter(Boolean)) await remove(name);
        await host.remove(releaseDir(revision));
        await removeSlots(proxy, revision);
      }
    },
  };
}
