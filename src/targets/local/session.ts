import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync, watch } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import { devIgnore } from "../../effects/dev-ignore.js";
import { fileLock } from "../../effects/file-lock.js";
import { localFingerprintKey } from "../../effects/fingerprint-key.js";
import { fileHistory } from "../../effects/history-files.js";
import { stopMariadb } from "../../effects/mariadb-server.js";
import { stopPostgres } from "../../effects/postgres-server.js";
import { isAlive, processStartTime, runCommand, stopProcess, tailFile } from "../../effects/processes.js";
import { loadLocalSecrets } from "../../effects/secrets.js";
import { writeFileAtomic } from "../../effects/state-files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import { fingerprintSecrets } from "../../secrets/fingerprint.js";
import { LineSplitter, type Redactor } from "../../secrets/redact.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import type { DriverContext, OpenRequest, StyledLine, TargetSession } from "../driver.js";
import { localDbOperations } from "./db-ops.js";
import { databaseStateDir, instancesOf, localTarget, stopReleaseProcesses, withReleasePath } from "./local-target.js";
import { proxyEntryCommand, readServedRevision, stopProxy } from "./proxy-control.js";
import { environmentProcesses } from "./strays.js";

/** The proxy's port: the one users reach. */
function portOf(model: AppModel): number {
  return model.target.type === "local" ? model.target.port : 4000;
}

/**
 * The environment processes inherit: slipway's own, as a process manager would pass it on (CA
 * bundles, proxies and PATH matter to `npm ci` and the app). Spec env, secrets and DB_* go on top.
 */
function baseEnv(env: DriverContext["env"]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function gitInfo(dir: string): ReleaseRecord["git"] {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "."], { cwd: dir, encoding: "utf8" });
  return { commit: head.stdout.trim(), dirty: (dirty.stdout ?? "").trim() !== "" };
}

/** What the history record keeps of the secrets: their names and a keyed fingerprint of their values. */
async function secretRecord(stateDir: string, secrets: Readonly<Record<string, string>>): Promise<ReleaseRecord["secrets"]> {
  const names = Object.keys(secrets).sort();
  if (names.length === 0) return { names };
  return { names, fingerprint: fingerprintSecrets(await localFingerprintKey(stateDir), secrets) };
}

/** How many bytes at the end of a file follow its last newline (at most 256 KB looked at). */
async function partialLineBytes(path: string, size: number): Promise<number> {
  const text = (await readFile(path)).subarray(Math.max(0, size - 256 * 1024), size);
  const newline = text.lastIndexOf(0x0a);
  return newline === -1 ? (size > text.length ? 0 : text.length) : text.length - newline - 1;
}

/** The process's argv: `node` means the Node that runs slipway. */
function argvOf(command: readonly string[]): string[] {
  return command[0] === "node" ? [process.execPath, ...command.slice(1)] : [...command];
}

/** Opens a local environment: its state folder under .slipway/<env>/, file history and file lock. */
export async function openLocalSession(request: OpenRequest, ctx: DriverContext): Promise<TargetSession> {
  const { validated, env, file } = request;
  // The local target runs the code in this folder, not an image: a missing tag is fine here.
  const tag = request.tag ?? "local";
  let model: AppModel = buildModel(validated, env, { tag });
  const specDir = dirname(file);
  const stateDir = join(specDir, ".slipway", env.name);
  await mkdir(stateDir, { recursive: true });
  // Keep every piece of local state (data, logs, secrets) out of version control.
  const ignore = join(specDir, ".slipway", ".gitignore");
  if (!existsSync(ignore)) await writeFileAtomic(ignore, "*\n");
  const history = fileHistory(join(stateDir, "history"), { onInvalid: ctx.onInvalidRecord });
  const lock = fileLock(join(stateDir, "lock.json"));

  /** The engine target with the app's secrets, loaded strictly: every declared secret must have a value. */
  const engineTarget = async (healthTimeoutMs?: number) => {
    const secrets = await loadLocalSecrets(model, specDir, ctx.env);
    const target = localTarget({
      appDir: specDir,
      stateDir,
      port: portOf(model),
      secrets,
      proxyEntry: proxyEntryCommand(),
      baseEnv: baseEnv(ctx.env),
      ...(healthTimeoutMs ? { healthTimeoutMs } : {}),
      redactor: ctx.redactor,
    });
    return { target, secrets };
  };

  /**
   * The one collector of this environment's secret values for redaction: the app's secrets (every
   * declared one must have a value, else SECRETS_MISSING: a command that shows what the app or a
   * record holds cannot redact a value it does not know) and the database passwords slipway made.
   */
  const knownSecrets = async (): Promise<Redactor> => (await engineTarget()).target.collectSecrets(model);

  const releases = async () => (await knownSecrets()).deep((await history.list()).sort((a, b) => b.revision - a.revision));

  return {
    history,
    lock,
    close: () => undefined,
    db: localDbOperations({
      model,
      stateDir,
      specDir,
      history,
      env: ctx.env,
      redactor: ctx.redactor,
      target: async () => (await engineTarget()).target,
    }),

    async deploy({ rollbackOf, healthTimeoutMs }) {
      // A rollback restores the old release whole: its code and the spec it was deployed with.
      if (rollbackOf?.artifact.kind === "local-snapshot") {
        const oldSpec = join(rollbackOf.artifact.path, basename(file));
        if (existsSync(oldSpec)) {
          const old = await ctx.loadSpec(oldSpec);
          model = buildModel(old, chooseEnvironment(old, model.environment), { tag });
        }
      }
      const { target, secrets } = await engineTarget(healthTimeoutMs);
      const environment = model.environment;
      return {
        model,
        target,
        secrets: await secretRecord(stateDir, secrets),
        git: gitInfo(specDir),
        keepReleases: 5,
        failedHint: (result) =>
          result.serving !== undefined
            ? `Revision ${result.serving} still serves at ${result.url}. Details: slipway history -e ${environment}; logs of the failed release: slipway logs --revision ${result.revision}.`
            : `Nothing serves now${result.revision > 1 ? "" : " (nothing was serving before this deploy)"}. Logs: slipway logs --revision ${result.revision}.`,
      };
    },

    // Records are redacted when written; redacting again covers records written before a secret was known.
    releases,

    async status() {
      const records = await releases();
      const current = currentRelease(records);
      const last = records[0];
      const served = await readServedRevision(join(stateDir, "proxy"));
      const instances = (current ? instancesOf(current.runtime) : []).map((i) => ({ ...i, alive: isAlive(i.pid, i.startTime) }));
      const lockHolder = await lock.inspect();
      const status = {
        app: model.name,
        environment: model.environment,
        url: `http://127.0.0.1:${portOf(model)}/`,
        serving: current?.revision,
        proxyServes: served,
        healthy: instances.length > 0 && instances.every((i) => i.alive) && served === current?.revision,
        // Nothing runs: no proxy, none of the release's processes (after `slipway down`, or a reboot).
        stopped: current !== undefined && served === undefined && instances.every((i) => !i.alive),
        instances,
        lastDeploy: last
          ? { revision: last.revision, outcome: last.outcome, startedAt: last.startedAt, failure: last.failure?.message }
          : undefined,
        lock: lockHolder,
      };
      const lines: StyledLine[] = [[{ tone: "bold", text: `${status.app} → ${status.environment}` }, `  ${status.url}`]];
      if (status.stopped)
        lines.push([
          "serving:  nothing — ",
          { tone: "yellow", text: "stopped" },
          ` (revision ${status.serving} served last; slipway deploy -e ${status.environment} starts a new release)`,
        ]);
      else
        lines.push([
          `serving:  ${status.serving === undefined ? "nothing" : `revision ${status.serving}`} `,
          status.healthy ? { tone: "green", text: "(healthy)" } : { tone: "red", text: "(not healthy)" },
        ]);
      for (const [i, inst] of instances.entries())
        lines.push([
          `  instance ${i + 1}: pid ${inst.pid} port ${inst.port} `,
          inst.alive ? { tone: "green", text: "up" } : { tone: "red", text: "down" },
        ]);
      if (status.lastDeploy)
        lines.push([
          `last deploy: revision ${status.lastDeploy.revision} ${status.lastDeploy.outcome}${status.lastDeploy.failure ? ` — ${status.lastDeploy.failure}` : ""}`,
        ]);
      if (lockHolder)
        lines.push([{ tone: "yellow", text: `locked by pid ${lockHolder.pid} on ${lockHolder.host} (${lockHolder.command})` }]);
      return { result: status, lines };
    },

    async logs(request, emit) {
      const records = await history.list();
      const record = request.revision !== undefined ? records.find((r) => r.revision === request.revision) : currentRelease(records);
      if (!record)
        throw new SlipwayError(
          "DEPLOY_NO_RELEASE",
          request.revision !== undefined ? `no revision ${request.revision}` : "nothing has been deployed yet",
          { hint: "See `slipway history`." },
        );
      const redactor = await knownSecrets();
      const print = (source: string, line: string) => emit({ label: source, fields: { source }, line: redactor.text(line) });
      const dir = join(stateDir, "releases", String(record.revision));
      const files = ["prepare", "setup", "migrate"].map((p) => ({ name: p, path: join(dir, `${p}.log`) }));
      for (const [i, inst] of instancesOf(record.runtime).entries()) files.push({ name: `instance-${i + 1}`, path: inst.logFile });
      const sizes = new Map<string, number>();
      for (const f of files.filter((f) => existsSync(f.path))) {
        const size = statSync(f.path).size;
        const tail = await tailFile(f.path, request.lines);
        // Following: a last line still being written is printed whole once its newline arrives.
        const partial = request.follow ? await partialLineBytes(f.path, size) : 0;
        for (const line of partial > 0 ? tail.slice(0, -1) : tail) print(f.name, line);
        sizes.set(f.path, size - partial);
      }
      const summary = { about: { environment: model.environment, revision: record.revision }, notes: [] };
      if (!request.follow) return summary;
      // Follow: poll the files for appended bytes until interrupted. A write can end mid-line (and
      // mid-secret, mid-character): only whole lines are redacted and printed.
      const splitters = new Map<string, { decoder: StringDecoder; lines: LineSplitter }>();
      for (;;) {
        await new Promise((r) => setTimeout(r, 300));
        for (const f of files.filter((f) => existsSync(f.path))) {
          const size = statSync(f.path).size;
          const from = sizes.get(f.path) ?? 0;
          if (size > from) {
            const split = splitters.get(f.path) ?? { decoder: new StringDecoder("utf8"), lines: new LineSplitter() };
            splitters.set(f.path, split);
            const text = split.decoder.write((await readFile(f.path)).subarray(from, size));
            for (const line of split.lines.push(text).filter(Boolean)) print(f.name, line);
            sizes.set(f.path, size);
          }
        }
      }
    },

    async exec(command, io) {
      const record = currentRelease(await history.list());
      if (!record) throw new SlipwayError("DEPLOY_NO_RELEASE", "nothing has been deployed yet", { hint: "Run slipway deploy first." });
      const { target } = await engineTarget();
      const cwd = record.artifact.kind === "local-snapshot" ? record.artifact.path : specDir;
      const env = withReleasePath(await target.appEnv(model, record.revision, undefined, "web"), cwd, model);
      const argv = argvOf(command);
      // The command shares this terminal (local commands need no --tty).
      return await new Promise<number>((done) => {
        const child = spawn(argv[0] as string, argv.slice(1), { cwd, env, stdio: "inherit" });
        child.on("error", (error) => {
          io.stderr.write(`slipway exec: ${error.message}\n`);
          done(127);
        });
        child.on("exit", (code, signal) => done(code ?? (signal ? 128 : 1)));
      });
    },

    // Stops the environment's processes, proxy and database server; keeps data and history.
    async down() {
      const stopped: string[] = [];
      // Each process is signalled only while its pid still has the start time recorded for it.
      for (const { revision, pids } of await stopReleaseProcesses(stateDir, await history.list(), new Set(), 10_000))
        for (const pid of pids) stopped.push(`${revision === undefined ? "unrecorded release" : `revision ${revision}`} pid ${pid}`);
      if (await stopProxy(join(stateDir, "proxy"))) stopped.push("proxy");
      const engine = model.database?.engine;
      if (engine === "postgres" && (await stopPostgres(databaseStateDir(stateDir, engine)))) stopped.push("postgres");
      if (engine === "mysql" && (await stopMariadb(databaseStateDir(stateDir, engine)))) stopped.push("mariadb");
      // What no record names any more (.slipway deleted while it ran, an edited record), found by what it is.
      const strays = await environmentProcesses({ stateDir, app: model.name, environment: model.environment }, "all");
      for (const kind of ["instance", "daemon"] as const) {
        const now = strays.filter((p) => p.kind === kind);
        const results = await Promise.all(now.map((p) => stopProcess({ pid: p.pid, startTime: p.startTime }, { graceMs: 10_000 })));
        now.forEach((p, i) => {
          if (results[i]?.wasRunning) stopped.push(`${kind === "instance" ? "unrecorded instance" : "unrecorded daemon"} pid ${p.pid}`);
        });
      }
      return { stopped };
    },

    // The app from its own folder (no snapshot, no proxy) with the embedded database, migrations
    // applied and env wired as in a deploy; restarted when a file changes.
    async dev(request, io) {
      const { target } = await engineTarget();
      await target.ensureDatabase({ model, revision: 0, previous: undefined, rollbackOf: undefined, reporter: io.reporter });
      const port = request.port ?? model.port;
      // The app's own folders (a virtualenv's bin/) first on PATH, as in a release.
      const env = withReleasePath(await target.appEnv(model, 0, port, "web"), specDir, model);
      const redactor = await target.collectSecrets(model);
      if (model.release.migrate) {
        const migrateEnv = withReleasePath(await target.appEnv(model, 0, undefined, "migrate"), specDir, model);
        const result = await runCommand({
          command: argvOf(model.release.migrate),
          cwd: specDir,
          env: migrateEnv,
          timeoutMs: 30 * 60_000,
          onLine: (line) => io.migrateLine(redactor.text(line)),
        });
        if (result.exitCode !== 0) {
          throw new SlipwayError(
            "DEPLOY_FAILED",
            `dev: \`${model.release.migrate.join(" ")}\` exited with ${result.exitCode ?? result.signal}`,
            {
              hint: "Fix the migration, then run slipway dev again.",
            },
          );
        }
      }
      const command = model.command ? [...model.command, ...(model.args ?? [])] : undefined;
      if (!command)
        throw new SlipwayError("DEPLOY_FAILED", "app.command is not set", {
          hint: "Add app.command (e.g. [node, server.js]) to slipway.yaml.",
        });
      const argv = argvOf(command);
      let running: { pid: number; startTime: string | undefined } | undefined;
      const startApp = () => {
        io.started(command.join(" "), `http://127.0.0.1:${port}/`);
        const child = spawn(argv[0] as string, argv.slice(1), { cwd: specDir, env, stdio: ["ignore", "inherit", "inherit"] });
        // Read at once: the identity stopProcess checks before it signals (a recycled pid is never ours).
        running = child.pid === undefined ? undefined : { pid: child.pid, startTime: processStartTime(child.pid) };
      };
      const stopApp = async () => {
        const app = running;
        running = undefined;
        if (app) await stopProcess(app, { graceMs: 5_000 });
      };
      startApp();
      let timer: NodeJS.Timeout | undefined;
      // What git ignores and the app's own log output never restart it (nor would the app ever settle).
      const ignored = devIgnore(specDir);
      const watcher = watch(specDir, { recursive: true }, (_event, changed) => {
        if (!changed || ignored(changed)) return;
        clearTimeout(timer);
        timer = setTimeout(async () => {
          io.restarting(changed);
          await stopApp();
          startApp();
        }, 250);
      });
      return await new Promise<number>((done) => {
        const stop = async () => {
          watcher.close();
          clearTimeout(timer);
          await stopApp();
          done(0);
        };
        // Ctrl-C stops the app first (the default handler would exit and orphan it).
        process.removeAllListeners("SIGINT");
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    },
  };
}
