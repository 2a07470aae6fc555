import { createHash, randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { basename, delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { DeployFailure, type DeployTarget, type ReleaseContext } from "../../deploy/engine.js";
import { firstErrorBlock } from "../../deploy/error-block.js";
import type { Evidence, Reporter } from "../../deploy/events.js";
import { currentRelease, type HistoryStore, type ReleaseRecord } from "../../deploy/history.js";
import { adminSecret } from "../../effects/database-files.js";
import type { DatabaseServer } from "../../effects/database-server.js";
import type { Host } from "../../effects/host.js";
import { localHost } from "../../effects/local-host.js";
import { startMariadb } from "../../effects/mariadb-server.js";
import { startPostgres } from "../../effects/postgres-server.js";
import { cloneOutputs, findReusable, preparedKey, presentOutputs, writePreparedRecord } from "../../effects/prepared-reuse.js";
import type { SpawnedProcess } from "../../effects/processes.js";
import { digestTree, exists, snapshotSource } from "../../effects/snapshot.js";
import type { AppModel } from "../../model/app-model.js";
import { databaseUrl } from "../../render/database-url.js";
import { probeHost } from "../../render/probe-host.js";
import type { Redactor } from "../../secrets/redact.js";
import { runBuildSteps } from "./build-steps.js";
import { appCommand, releaseMarkers, resolveCommand as resolveWith } from "./commands.js";
import { installsOnly } from "./install-steps.js";
import { type Instance, instancesOf } from "./instances.js";
import { ensureProxy, readServedRevision, setRoutes, waitForDrain } from "./proxy-control.js";
import { environmentProcesses, stopReleaseProcesses } from "./strays.js";

export { releaseMarker, releaseRoleMarker } from "./commands.js";
export { type Instance, instancesOf } from "./instances.js";
export { stopReleaseProcesses } from "./strays.js";

export interface LocalTargetOptions {
  /** Folder of slipway.yaml: the app's source, run from a snapshot per release. */
  appDir: string;
  /** .slipway/<environment> under appDir. */
  stateDir: string;
  /** Port of the reverse proxy users reach. */
  port: number;
  /** Secret values by name (already loaded from the secret source). */
  secrets: Readonly<Record<string, string>>;
  /** Command that runs the proxy daemon (the slipway binary's hidden `__proxy` command). */
  proxyEntry: readonly string[];
  /** Extra environment for every process (PATH, HOME). */
  baseEnv: Readonly<Record<string, string>>;
  /** How long the health gate waits for an instance to become healthy, at most. */
  healthTimeoutMs?: number;
  /** Gets every secret value the target holds or creates (the app's, the database passwords). */
  redactor: Redactor;
  /**
   * The machine the app's processes, the proxy and their state files are on. Default: this one.
   * The release's source snapshot and the database server are still made on this machine.
   */
  host?: Host;
}

/**
 * The `local` target: the app's command as N processes on free loopback ports behind a reverse
 * proxy on a fixed port, with an embedded PostgreSQL (or a local MariaDB) under .slipway/.
 * Everything it starts is detached, so a killed deploy leaves the serving release alone.
 */
export function localTarget(options: LocalTargetOptions): DeployTarget & {
  appEnv(model: AppModel, revision: number, port: number | undefined, phase: "web" | "migrate" | "setup"): Promise<Record<string, string>>;
  /** The redactor with every secret this environment has so far (no database password is created for it). */
  collectSecrets(model: AppModel): Promise<Redactor>;
} {
  const host = options.host ?? localHost;
  const releasesDir = join(options.stateDir, "releases");
  const proxyDir = join(options.stateDir, "proxy");
  const releaseDir = (revision: number) => join(releasesDir, String(revision));
  /**
   * Every process a deploy starts (prepare, setup, migrate, instances) carries its release folder in
   * this variable, so the next deploy finds it even when no record names it (killed between spawn
   * and record, or a record lost).
   */
  const marker = (revision: number, role: "prepare" | "setup" | "migrate" | "web") => releaseMarkers(resolve(releaseDir(revision)), role);
  let database: DatabaseServer | undefined;
  /** Processes this slipway started, by pid: their exit codes are observable while we run. */
  const spawned = new Map<number, SpawnedProcess>();
  const alive = (i: Instance) => host.isAlive(i);
  const allAlive = async (instances: readonly Instance[]) => (await Promise.all(instances.map(alive))).every(Boolean);
  const anyAlive = async (instances: readonly Instance[]) => (await Promise.all(instances.map(alive))).some(Boolean);
  /** The release traffic was switched to and the revision whose files it runs: prune never deletes them. */
  const inUse = new Set<number>();

  /** Instances the history accounts for, as recover saw it; anything else of this environment is a stray. */
  let recorded: Instance[] | undefined;

  /**
   * Once the new release serves: stops this environment's instances that no record lists (their
   * records were deleted with .slipway, or edited into something unreadable), after their requests drain.
   */
  const retireStrays = async (ctx: ReleaseContext, runtime: Record<string, unknown>): Promise<void> => {
    if (recorded === undefined) return;
    const known = [...recorded, ...instancesOf(runtime)];
    const strays = (
      await environmentProcesses({ stateDir: options.stateDir, app: ctx.model.name, environment: ctx.model.environment }, "instances", host)
    ).filter((p) => !known.some((k) => k.pid === p.pid && (k.startTime === undefined || k.startTime === p.startTime)));
    if (strays.length === 0) return;
    await waitForDrain(proxyDir, { timeoutMs: 30_000, on: host });
    await Promise.all(strays.map((p) => host.stop({ pid: p.pid, startTime: p.startTime }, { graceMs: 10_000 })));
    ctx.reporter.emit({
      type: "recovered",
      revision: ctx.revision,
      action: `stopped ${strays.length} process(es) of this environment that no release record lists (pid ${strays.map((p) => p.pid).join(", ")})`,
    });
  };

  const { redactor } = options;
  redactor.add(Object.values(options.secrets));
  const dbPasswordFile = join(options.stateDir, "database.secret");
  const dbPassword = async (): Promise<string> => {
    const existing = (await host.readText(dbPasswordFile))?.trim();
    if (existing) {
      redactor.add([existing]);
      return existing;
    }
    // Missing (or left empty by an older slipway killed while writing it): a new one; the deploy sets it.
    const password = randomBytes(18).toString("base64url");
    redactor.add([password]);
    await host.makeDir(options.stateDir);
    await host.writeFileAtomic(dbPasswordFile, `${password}\n`, 0o600);
    return password;
  };

  const collectSecrets = async (model: AppModel): Promise<Redactor> => {
    const stored = (await host.readText(dbPasswordFile).catch(() => undefined)) ?? "";
    const engine = model.database?.engine;
    const admin = database?.admin.password ?? (engine ? await adminSecret(databaseStateDir(options.stateDir, engine), false) : undefined);
    return redactor.add([stored.trim(), ...(admin ? [admin] : [])]);
  };

  const startDatabase = async (model: AppModel): Promise<DatabaseServer | undefined> => {
    const db = model.database;
    if (!db) return undefined;
    if (database) return database;
    const stateDir = databaseStateDir(options.stateDir, db.engine);
    const portFile = join(stateDir, "port");
    let port = Number((await host.readText(portFile))?.trim());
    if (!Number.isSafeInteger(port) || port < 1 || port > 65535) {
      port = await host.freePort();
      await host.makeDir(stateDir);
      await host.writeFileAtomic(portFile, `${port}\n`);
    }
    try {
      database = db.engine === "postgres" ? await startPostgres({ stateDir, port }) : await startMariadb({ stateDir, port });
      redactor.add([database.admin.password]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new DeployFailure({ class: "database-unreachable", message: `database: ${message}`, evidence: { port, detail: message } });
    }
    return database;
  };

  const appEnv = async (model: AppModel, revision: number, port: number | undefined, phase: "web" | "migrate" | "setup") => {
    const env: Record<string, string> = { ...options.baseEnv, ...Object.fromEntries(model.env), ...options.secrets };
    env.SLIPWAY_APP = model.name;
    env.SLIPWAY_ENVIRONMENT = model.environment;
    env.SLIPWAY_REVISION = String(revision);
    if (port !== undefined) {
      env.PORT = String(port);
      env.HOST = "127.0.0.1";
    }
    const db = model.database;
    if (db) {
      const server = await startDatabase(model);
      if (server) {
        const admin = phase === "setup";
        const user = admin ? server.admin.user : db.user;
        const password = admin ? server.admin.password : await dbPassword();
        Object.assign(env, {
          DB_ENGINE: db.engine,
          DB_HOST: server.host,
          DB_PORT: String(server.port),
          DB_NAME: db.name,
          DB_USER: user,
          DB_PASSWORD: password,
          DATABASE_URL: databaseUrl({ scheme: db.urlScheme, user, password, host: server.host, port: server.port, name: db.name }),
        });
        if (admin) {
          env.DB_APP_USER = db.user;
          env.DB_APP_PASSWORD = await dbPassword();
        }
      }
    }
    return env;
  };

  /** The process's command: `node` means the Node that runs slipway, so versions never drift. */
  const resolveCommand = (command: readonly string[]): string[] => resolveWith(command, process.execPath);

  return {
    name: "local",
    appEnv,
    collectSecrets,
    url: () => `http://127.0.0.1:${options.port}/`,

    async recover(history: HistoryStore, reporter: Reporter) {
      const served = await readServedRevision(proxyDir, host);
      const records = await history.list();
      recorded = records.flatMap((record) => instancesOf(record.runtime));
      for (const record of records) {
        if (record.outcome !== "in-progress") continue;
        const instances = instancesOf(record.runtime);
        if (served === record.revision && instances.length > 0 && (await allAlive(instances))) {
          // The killed deploy had already switched: finish it rather than undo a healthy release.
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
          message: `revision ${record.revision} was interrupted before it served; its processes were stopped`,
          evidence: {},
        };
        await history.put(record);
        reporter.emit({
          type: "recovered",
          revision: record.revision,
          action: "marked an interrupted release (it never served) as interrupted",
        });
      }
      // Only what serves keeps running: the proxy's revision and the newest successful release (which
      // serves again when the proxy is restarted). Everything else this environment's deploys started
      // is stopped: a release a killed deploy was draining, a new one it had started, its migration.
      const keep = new Set([served, currentRelease(records)?.revision].filter((r): r is number => r !== undefined));
      for (const stopped of await stopReleaseProcesses(options.stateDir, records, keep, 5_000, { spareUnrecordedInstances: true, host })) {
        reporter.emit({
          type: "recovered",
          revision: stopped.revision ?? 0,
          action:
            stopped.revision === undefined
              ? `stopped ${stopped.pids.length} process(es) of a release nothing records (pid ${stopped.pids.join(", ")})`
              : `stopped ${stopped.pids.length} process(es) of revision ${stopped.revision}, which does not serve (pid ${stopped.pids.join(", ")})`,
        });
      }
    },

    async prepare(ctx: ReleaseContext) {
      const dir = releaseDir(ctx.revision);
      const appCopy = join(dir, "app");
      if (ctx.rollbackOf) {
        const from = join(releaseDir(ctx.rollbackOf.revision), "app");
        if (!(await exists(from))) {
          throw new DeployFailure({
            class: "prepare-failed",
            message: `revision ${ctx.rollbackOf.revision}'s files were pruned`,
            evidence: { detail: from },
          });
        }
        // The old release's own digest: its folder now also holds what its prepare made.
        const recorded = ctx.rollbackOf.artifact;
        return {
          kind: "local-snapshot",
          digest: recorded.kind === "local-snapshot" ? recorded.digest : await digestTree(from),
          path: from,
        };
      }
      const source = ctx.model.secrets.source;
      const secretFile = source.kind === "env-file" ? [isAbsolute(source.path) ? source.path : join(options.appDir, source.path)] : [];
      const digest = await snapshotSource(options.appDir, appCopy, secretFile);
      const prepare = ctx.model.target.type === "local" ? ctx.model.target.prepare : undefined;
      if (prepare) {
        const folders = ctx.model.target.type === "local" ? ctx.model.target.path : [];
        const key = await preparedKey(appCopy, prepare, folders, options.baseEnv.PATH ?? "");
        // The dependencies a previous release prepared from the same lockfiles and command, linked in.
        const reusable = await findReusable(releasesDir, ctx.revision, key).catch(() => undefined);
        let reused = false;
        if (reusable) {
          try {
            await cloneOutputs(reusable.appCopy, appCopy, reusable.outputs);
            reused = true;
          } catch {
            // A half copy is worse than none: start from a fresh copy and prepare from scratch.
            await snapshotSource(options.appDir, appCopy, secretFile);
          }
        }
        const skipPrepare = reused && reusable !== undefined && installsOnly(prepare);
        if (skipPrepare && reusable) {
          ctx.reporter.emit({
            type: "log",
            phase: "prepare",
            stream: "stdout",
            line: `reused ${reusable.outputs.join(", ")} of revision ${reusable.revision} (same command and lockfiles); \`${prepare.join(" ")}\` not run`,
          });
          // Only the install is skipped: the build steps below follow the code and run on every release.
          await writePreparedRecord(dir, { key, outputs: reusable.outputs });
        } else if (reused && reusable)
          ctx.reporter.emit({
            type: "log",
            phase: "prepare",
            stream: "stdout",
            line: `reused ${reusable.outputs.join(", ")} of revision ${reusable.revision} (same command and lockfiles); running the prepare over them`,
          });
        if (!skipPrepare) {
          const logFile = join(dir, "prepare.log");
          const env = withReleasePath({ ...options.baseEnv, ...marker(ctx.revision, "prepare") }, appCopy, ctx.model);
          const result = await host.run({
            command: resolveCommand(prepare),
            cwd: appCopy,
            env,
            logFile,
            timeoutMs: 600_000,
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          });
          if (result.exitCode !== 0) {
            throw new DeployFailure({
              class: "prepare-failed",
              message: `prepare: \`${prepare.join(" ")}\` exited with ${result.exitCode ?? result.signal}`,
              evidence: {
                exitCode: result.exitCode,
                logTail: result.lastLines.map((line) => redactor.text(line)),
                ...errorOf(result.lastLines, (line) => redactor.text(line)),
              },
            });
          }
          await writePreparedRecord(dir, { key, outputs: await presentOutputs(appCopy) });
        }
      }
      await runBuildSteps(ctx.model, {
        cwd: appCopy,
        logFile: join(dir, "prepare.log"),
        // The release's PATH folders (.venv/bin) first, as for prepare: `python manage.py collectstatic` is the app's python.
        baseEnv: withReleasePath({ ...options.baseEnv, ...marker(ctx.revision, "prepare") }, appCopy, ctx.model),
        resolveCommand,
        redact: (l) => redactor.text(l),
        host,
      });
      return { kind: "local-snapshot", digest, path: appCopy };
    },

    async ensureDatabase(ctx: ReleaseContext) {
      const db = ctx.model.database;
      if (!db) return { firstTime: false };
      const server = await startDatabase(ctx.model);
      if (!server) return { firstTime: false };
      try {
        const created = await server.ensureDatabase({ database: db.name, user: db.user, password: await dbPassword() });
        return { firstTime: created.createdDatabase };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new DeployFailure({
          class: "database-unreachable",
          message: `database ${db.name}: ${message}`,
          evidence: { port: server.port },
        });
      }
    },

    async runCommand(ctx: ReleaseContext, phase: "setup" | "migrate", command: readonly string[]) {
      const dir = releaseDir(ctx.revision);
      const cwd = ctx.rollbackOf ? join(releaseDir(ctx.rollbackOf.revision), "app") : join(dir, "app");
      const env = withReleasePath(
        { ...(await appEnv(ctx.model, ctx.revision, undefined, phase)), ...marker(ctx.revision, phase) },
        cwd,
        ctx.model,
      );
      const redact = (line: string) => redactor.text(line);
      const result = await host.run({
        command: resolveCommand(command),
        cwd,
        env,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        logFile: join(dir, `${phase}.log`),
        timeoutMs: 30 * 60_000,
        onLine: (line: string, stream: "stdout" | "stderr") => ctx.reporter.emit({ type: "log", phase, stream, line: redact(line) }),
      });
      if (result.exitCode !== 0) {
        throw new DeployFailure({
          class: phase === "migrate" ? "migration-failed" : "setup-failed",
          message: `${phase}: \`${command.join(" ")}\` exited with ${result.exitCode ?? `signal ${result.signal}`}; no traffic moved`,
          evidence: {
            exitCode: result.exitCode,
            signal: result.signal,
            logTail: result.lastLines.map(redact),
            ...errorOf(result.lastLines, redact),
          },
        });
      }
    },

    async start(ctx: ReleaseContext) {
      const dir = releaseDir(ctx.revision);
      const cwd = ctx.rollbackOf ? join(releaseDir(ctx.rollbackOf.revision), "app") : join(dir, "app");
      const command = appCommand(ctx.model);
      if (!command) {
        throw new DeployFailure({
          class: "prepare-failed",
          message: "app.command is not set: the local target runs the app's command directly",
          evidence: { detail: "Add app.command (e.g. [node, server.js]) to slipway.yaml." },
        });
      }
      const instances: Instance[] = [];
      for (let i = 0; i < Math.max(1, ctx.model.replicas.min); i++) {
        const port = await host.freePort();
        const logFile = join(dir, `instance-${i + 1}.log`);
        const env = withReleasePath(
          { ...(await appEnv(ctx.model, ctx.revision, port, "web")), ...marker(ctx.revision, "web") },
          cwd,
          ctx.model,
        );
        const proc = await host.start({ command: resolveCommand(command), cwd, env, logFile });
        spawned.set(proc.pid, proc);
        instances.push({ pid: proc.pid, startTime: proc.startTime, port, logFile });
      }
      return { instances };
    },

    async healthGate(ctx: ReleaseContext, runtime: Record<string, unknown>) {
      const redact = (text: string) => redactor.text(text);
      const timeoutMs = options.healthTimeoutMs ?? ctx.model.health.startup.timeoutSeconds * 1000;
      await Promise.all(
        instancesOf(runtime).map(async (instance, index) => {
          const where = `instance ${index + 1} (pid ${instance.pid}, port ${instance.port})`;
          const evidence = async (extra: Evidence): Promise<Evidence> => {
            const log = await host.tail(instance.logFile, 400);
            const firstError = firstErrorBlock(log);
            return {
              ...extra,
              port: instance.port,
              logTail: log.slice(-20).map(redact),
              ...(firstError ? { firstError: firstError.map(redact) } : {}),
            };
          };
          const deadline = Date.now() + timeoutMs;
          const proc = spawned.get(instance.pid);
          const opened = await host.waitForPort(instance.port, {
            timeoutMs,
            // An interrupted deploy stops waiting at once (the engine abandons the release).
            isAlive: async () => ctx.signal?.aborted !== true && (await alive(instance)),
            ...(proc ? { process: proc } : {}),
          });
          if (!opened.ok) {
            if (opened.reason === "exited") {
              // The process can be seen dead a moment before its exit status arrives: wait for it briefly.
              let exitCode = opened.exitCode;
              if ((exitCode === undefined || exitCode === null) && proc) {
                const exit = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2_000))]);
                exitCode = exit?.code ?? exitCode;
              }
              throw new DeployFailure({
                class: "process-exited",
                message: `${where}: the process exited before it opened its port${exitCode !== undefined && exitCode !== null ? ` (exit ${exitCode})` : ""}`,
                evidence: await evidence({ exitCode: exitCode ?? null }),
              });
            }
            throw new DeployFailure({
              class: "port-never-opened",
              message: `${where}: port ${instance.port} never opened`,
              evidence: await evidence({}),
            });
          }
          const url = `http://127.0.0.1:${instance.port}${ctx.model.health.readiness}`;
          let badSince: number | undefined;
          let last: { status?: number; body?: string; error?: string } = {};
          for (;;) {
            if (ctx.signal?.aborted) return;
            if (!(await alive(instance))) {
              throw new DeployFailure({
                class: "process-exited",
                message: `${where}: the process exited during the health check`,
                evidence: await evidence({}),
              });
            }
            const probe = await host.httpGet(url, 2_000, { host: probeHost });
            // Healthy as a kubelet probe counts it: 200–399, a redirect answered but not followed.
            if (probe.ok && probe.status >= 200 && probe.status < 400) return;
            last = probe.ok ? { status: probe.status, body: probe.body } : { error: probe.error };
            badSince ??= Date.now();
            // A conclusive answer (an HTTP error status for 10 s) fails now; silence waits for the timeout.
            if (probe.ok && Date.now() - badSince > 10_000) {
              throw new DeployFailure({
                class: "health-failed",
                message: `${where}: ${ctx.model.health.readiness} answered ${probe.status}`,
                evidence: await evidence({ httpStatus: probe.status, httpBody: redact(probe.body) }),
              });
            }
            if (Date.now() > deadline) {
              throw new DeployFailure({
                class: "health-timeout",
                message: `${where}: ${ctx.model.health.readiness} did not answer 2xx or 3xx within ${Math.round(timeoutMs / 1000)} s`,
                evidence: await evidence({ ...(last.status ? { httpStatus: last.status } : {}), detail: last.error ?? "" }),
              });
            }
            await new Promise((r) => setTimeout(r, 200));
          }
        }),
      );
    },

    async switchTo(ctx: ReleaseContext, runtime: Record<string, unknown>) {
      try {
        await ensureProxy({ stateDir: proxyDir, host: "127.0.0.1", port: options.port, entry: options.proxyEntry, on: host });
        await setRoutes(
          proxyDir,
          {
            revision: ctx.revision,
            upstreams: instancesOf(runtime).map((i) => ({ host: "127.0.0.1", port: i.port })),
            trustedProxies: trustedProxiesOf(ctx.model),
          },
          { timeoutMs: 10_000, on: host },
        );
        inUse.clear();
        inUse.add(ctx.revision);
        if (ctx.rollbackOf) inUse.add(ctx.rollbackOf.revision);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = (error as { code?: string }).code;
        throw new DeployFailure({
          class: code === "LOCAL_PORT_IN_USE" ? "port-in-use" : "switch-failed",
          message: `switch: ${message}`,
          evidence: { port: options.port },
        });
      }
      // Best effort: the new release serves whatever happens to the strays.
      await retireStrays(ctx, runtime).catch(() => undefined);
    },

    async switchBack(ctx: ReleaseContext) {
      const previous = ctx.previous;
      if (!previous) return;
      await setRoutes(
        proxyDir,
        {
          revision: previous.revision,
          upstreams: instancesOf(previous.runtime).map((i) => ({ host: "127.0.0.1", port: i.port })),
          trustedProxies: trustedProxiesOf(ctx.model),
        },
        { timeoutMs: 10_000, on: host },
      );
    },

    async retire(record: ReleaseRecord, reporter: Reporter, signal?: AbortSignal) {
      const instances = instancesOf(record.runtime);
      if (instances.length === 0) return;
      // Requests already on their way to the old release finish; the proxy sends new ones elsewhere.
      reporter.emit({ type: "waiting", phase: "drain", message: `draining revision ${record.revision} (${instances.length} process(es))` });
      const drained = await untilAborted(waitForDrain(proxyDir, { timeoutMs: 30_000, on: host }), signal);
      if (drained === "aborted")
        reporter.emit({
          type: "waiting",
          phase: "drain",
          message: `interrupted by ${String(signal?.reason ?? "a signal")}: stopping revision ${record.revision} without waiting for its open requests`,
        });
      else if (!drained.drained)
        reporter.emit({
          type: "waiting",
          phase: "drain",
          message: `${drained.inFlight} request(s) still open after 30 s; stopping anyway`,
        });
      const graceMs = drained === "aborted" ? 5_000 : 30_000;
      await Promise.all(instances.map(async (i) => ((await alive(i)) ? host.stop(i, { graceMs }) : undefined)));
    },

    async abandon(_ctx: ReleaseContext, runtime: Record<string, unknown>) {
      await Promise.all(instancesOf(runtime).map(async (i) => ((await alive(i)) ? host.stop(i, { graceMs: 3_000 }) : undefined)));
    },

    async isServing(record: ReleaseRecord) {
      // Serving means the proxy runs, sends traffic to this release, and one of its processes runs.
      const served = await readServedRevision(proxyDir, host).catch(() => undefined);
      return served === record.revision && (await anyAlive(instancesOf(record.runtime)));
    },

    async prune(revisions: readonly number[]) {
      // Whatever it is asked, the folder of the release the proxy serves (its processes' cwd) stays.
      const served = await readServedRevision(proxyDir, host).catch(() => undefined);
      for (const revision of revisions) {
        if (revision === served || inUse.has(revision)) continue;
        await host.remove(releaseDir(revision));
      }
    },
  };
}

/** `{firstError}` for evidence when the lines hold an error block, redacted. */
function errorOf(lines: readonly string[], redact: (line: string) => string): { firstError?: string[] } {
  const block = firstErrorBlock(lines);
  return block ? { firstError: block.map(redact) } : {};
}

/**
 * `env` with the target's `path` folders (targets.<name>.path), resolved in the app folder `cwd`,
 * put first on PATH: the release's own virtualenv or bin/ wins over the system's programs.
 */
export function withReleasePath(env: Record<string, string>, cwd: string, model: AppModel): Record<string, string> {
  const folders = model.target.type === "local" ? model.target.path : [];
  if (folders.length === 0) return env;
  const first = folders.map((folder) => resolve(cwd, folder));
  return { ...env, PATH: [...first, ...(env.PATH ? [env.PATH] : [])].join(delimiter) };
}

function trustedProxiesOf(model: AppModel): string[] {
  return model.target.type === "local" ? model.target.trustedProxies : [];
}

/** `work`'s result, or "aborted" as soon as `signal` aborts (the work is left to finish on its own). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | "aborted"> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((done, fail) => {
    const onAbort = () => done("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(done, fail).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Where the database server keeps its data: under .slipway/<env>/, unless slipway runs as root in a
 * folder the server's own (non-root) user cannot pass through, such as /root/...; then under
 * /var/lib/slipway/, named after the project folder so each project keeps its own.
 */
export function databaseStateDir(stateDir: string, engine: "postgres" | "mysql"): string {
  const name = engine === "postgres" ? "postgres" : "mariadb";
  const local = join(stateDir, name);
  if (process.getuid?.() !== 0 || othersCanTraverse(stateDir)) return local;
  const id = createHash("sha256").update(resolve(stateDir)).digest("hex").slice(0, 12);
  return join("/var/lib/slipway", `${basename(dirname(dirname(resolve(stateDir))))}-${basename(stateDir)}-${id}`, name);
}

function othersCanTraverse(path: string): boolean {
  let dir = resolve(path);
  for (;;) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      // Not created yet: it will be made with the usual modes.
    }
    const parent = dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}
