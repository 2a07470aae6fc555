import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, statSync, watch } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import { devIgnore } from "../../effects/dev-ignore.js";
import { fileLock } from "../../effects/file-lock.js";
import { readSpecBytes } from "../../effects/files.js";
import { localFingerprintKey } from "../../effects/fingerprint-key.js";
import { fileHistory, type InvalidRecord } from "../../effects/history-files.js";
import { stopMariadb } from "../../effects/mariadb-server.js";
import { stopPostgres } from "../../effects/postgres-server.js";
import { isAlive, runCommand, stopProcess, tailFile } from "../../effects/processes.js";
import { loadLocalSecrets } from "../../effects/secrets.js";
import { writeFileAtomic } from "../../effects/state-files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import { humanReporter, jsonReporter } from "../../output/deploy-reporters.js";
import { fingerprintSecrets } from "../../secrets/fingerprint.js";
import { LineSplitter } from "../../secrets/redact.js";
import { locationOf } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import { databaseStateDir, instancesOf, localTarget, stopReleaseProcesses, withReleasePath } from "../../targets/local/local-target.js";
import { proxyEntryCommand, readServedRevision, stopProxy } from "../../targets/local/proxy-control.js";
import { environmentProcesses } from "../../targets/local/strays.js";
import { type CliContext, secretsOf } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";
import { deployInterruptibly, finishDeploy, pickRollback, runPreflight } from "./deploy-steps.js";

export interface EnvOptions {
  file: string;
  env?: string;
  json?: boolean;
}

/** The spec and environment when that environment deploys to Kubernetes (handled by deploy-kubernetes.ts). */
async function loadEnvironment(ctx: CliContext, opts: EnvOptions) {
  const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
  return { validated, env: chooseEnvironment(validated, opts.env) };
}

/** Loads the spec and everything a local-environment command needs. */
async function openLocal(ctx: CliContext, opts: EnvOptions & { tag?: string }, loaded?: Awaited<ReturnType<typeof loadEnvironment>>) {
  const file = resolve(ctx.cwd, opts.file);
  const { validated, env } = loaded ?? (await loadEnvironment(ctx, opts));
  if (env.target.type !== "local") {
    throw new SlipwayError(
      "DEPLOY_TARGET_UNSUPPORTED",
      `environment '${env.name}' targets ${env.target.type}; this version deploys only to the local target`,
      {
        location: locationOf(validated.source, ["environments", env.name, "target"]),
        hint: "Deploy a local environment (target: local), or for now render and apply: slipway render kubernetes -e ENV | kubectl apply --server-side -f -",
      },
    );
  }
  // The local target runs the code in this folder, not an image: a missing tag is fine here.
  const model: AppModel = buildModel(validated, env, { tag: opts.tag ?? "local" });
  const specDir = dirname(file);
  const stateDir = join(specDir, ".slipway", env.name);
  await mkdir(stateDir, { recursive: true });
  // Keep every piece of local state (data, logs, secrets) out of version control.
  const ignore = join(specDir, ".slipway", ".gitignore");
  if (!existsSync(ignore)) await writeFileAtomic(ignore, "*\n");
  const skipped = skippedRecords(ctx);
  const history = fileHistory(join(stateDir, "history"), { onInvalid: skipped.add });
  const lock = fileLock(join(stateDir, "lock.json"));
  const specText = ctx.sources.get(validated.file) ?? new TextDecoder().decode(await readSpecBytes(file));
  return { file, validated, model, specDir, stateDir, history, lock, specText, warnings: skipped.warnings };
}

export interface CommandWarning {
  file: string;
  message: string;
}

/**
 * Release records the history store skipped (a `null`, a torn or edited file), once each: printed on
 * stderr when found, and listed as `warnings` in the final --json line (`warningsField`).
 */
function skippedRecords(ctx: CliContext): { add: (invalid: InvalidRecord) => void; warnings: () => CommandWarning[] } {
  const seen = new Map<string, CommandWarning>();
  return {
    add(invalid) {
      if (seen.has(invalid.file)) return;
      const file = relative(ctx.cwd, invalid.file).startsWith("..") ? invalid.file : relative(ctx.cwd, invalid.file);
      const message = `skipped the release record ${file}: ${invalid.problem}. Its revision number stays taken; move the file away to silence this.`;
      seen.set(invalid.file, { file, message });
      if (!ctx.json) ctx.stderr.write(`${ctx.colors.yellow("warning:")} ${message}\n`);
    },
    warnings: () => [...seen.values()],
  };
}

/** `{warnings: [...]}` when there are any, for spreading into a final --json line. */
function warningsField(opened: { warnings: () => CommandWarning[] } | undefined): { warnings?: CommandWarning[] } {
  const warnings = opened?.warnings() ?? [];
  return warnings.length > 0 ? { warnings } : {};
}

/**
 * The environment processes inherit: slipway's own, as a process manager would pass it on (CA
 * bundles, proxies and PATH matter to `npm ci` and the app). Spec env, secrets and DB_* go on top.
 */
function baseEnv(ctx: CliContext): Record<string, string> {
  return Object.fromEntries(Object.entries(ctx.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function gitInfo(dir: string): ReleaseRecord["git"] {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "."], { cwd: dir, encoding: "utf8" });
  return { commit: head.stdout.trim(), dirty: (dirty.stdout ?? "").trim() !== "" };
}

async function makeTarget(ctx: CliContext, opened: Awaited<ReturnType<typeof openLocal>>, healthTimeoutMs?: number) {
  const { model, specDir } = opened;
  const secrets = await loadLocalSecrets(model, specDir, ctx.env);
  return { ...targetWith(ctx, opened, secrets, healthTimeoutMs), secrets };
}

function targetWith(
  ctx: CliContext,
  opened: Awaited<ReturnType<typeof openLocal>>,
  secrets: Record<string, string>,
  healthTimeoutMs?: number,
) {
  const { model, specDir, stateDir } = opened;
  const port = model.target.type === "local" ? model.target.port : 4000;
  const target = localTarget({
    appDir: specDir,
    stateDir,
    port,
    secrets,
    proxyEntry: proxyEntryCommand(),
    baseEnv: baseEnv(ctx),
    ...(healthTimeoutMs ? { healthTimeoutMs } : {}),
    redactor: secretsOf(ctx),
  });
  return { target };
}

/**
 * The redactor with every secret of the environment that can be found, for commands that only read
 * (history, status): secrets that cannot be loaded now (unset variables) are skipped, not an error.
 */
async function readOnlySecrets(ctx: CliContext, opened: Awaited<ReturnType<typeof openLocal>>) {
  const secrets = await loadLocalSecrets(opened.model, opened.specDir, ctx.env).catch(() => ({}));
  return targetWith(ctx, opened, secrets).target.collectSecrets(opened.model);
}

/** What the history record keeps of the secrets: their names and a keyed fingerprint of their values. */
async function secretRecord(stateDir: string, secrets: Readonly<Record<string, string>>): Promise<ReleaseRecord["secrets"]> {
  const names = Object.keys(secrets).sort();
  if (names.length === 0) return { names };
  return { names, fingerprint: fingerprintSecrets(await localFingerprintKey(stateDir), secrets) };
}

export interface DeployCommandOptions extends EnvOptions {
  tag?: string;
  force?: boolean;
  /** false with --no-rollback. */
  rollback?: boolean;
  wait?: boolean;
  /** Parsed and range-checked by the CLI (numberRules.keep); each target has its own default. */
  keep?: number;
  to?: number;
  /** Seconds. */
  healthTimeout?: number;
}

/** `slipway deploy` and `slipway rollback` (a deploy of an earlier release's files). */
export async function deployCommand(ctx: CliContext, opts: DeployCommandOptions, mode: "deploy" | "rollback" = "deploy"): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    if (kube) {
      const { deployKubernetes } = await import("./deploy-kubernetes.js");
      return await deployKubernetes(ctx, kube.validated, kube.env, opts, mode);
    }
    const opened = await openLocal(ctx, opts, loaded);
    const healthTimeout = opts.healthTimeout === undefined ? undefined : opts.healthTimeout * 1000;
    let rollbackTo: number | undefined;
    if (mode === "rollback") {
      const wanted = pickRollback(await opened.history.list(), opts.to);
      rollbackTo = wanted.revision;
      // A rollback restores the old release whole: its code and the spec it was deployed with.
      if (wanted.artifact.kind === "local-snapshot") {
        const oldSpec = join(wanted.artifact.path, basename(opened.file));
        if (existsSync(oldSpec)) {
          const validated = await loadSpecForCli(ctx, oldSpec);
          opened.model = buildModel(validated, chooseEnvironment(validated, opened.model.environment), { tag: opts.tag ?? "local" });
        }
      }
    }
    const reporter = ctx.json ? jsonReporter(ctx.stdout) : humanReporter(ctx.stderr, ctx.colors);
    if (mode === "deploy" && !opts.force) await runPreflight(ctx, reporter, opened.validated, loaded.env, opts);
    const { target, secrets } = await makeTarget(ctx, opened, healthTimeout);
    const result = await deployInterruptibly({
      model: opened.model,
      target,
      history: opened.history,
      lock: opened.lock,
      reporter,
      specHash: `sha256:${createHash("sha256").update(opened.specText).digest("hex")}`,
      git: gitInfo(opened.specDir),
      who: { user: userInfo().username, host: hostname(), pid: process.pid },
      secrets: await secretRecord(opened.stateDir, secrets),
      redactor: secretsOf(ctx),
      rollbackTo,
      noRollback: opts.rollback === false,
      waitForLock: opts.wait !== false,
      lockTimeoutMs: 10 * 60_000,
      keepReleases: opts.keep ?? 5,
    });
    return finishDeploy(
      ctx,
      result,
      opened.model.environment,
      result.serving !== undefined
        ? `Revision ${result.serving} still serves at ${result.url}. Details: slipway history -e ${opened.model.environment}; logs of the failed release: slipway logs --revision ${result.revision}.`
        : `Nothing serves now${result.revision > 1 ? "" : " (nothing was serving before this deploy)"}. Logs: slipway logs --revision ${result.revision}.`,
      opened.warnings(),
    );
  } catch (error) {
    return report(ctx, error);
  }
}

export async function historyCommand(ctx: CliContext, opts: EnvOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    let environment: string;
    let records: ReleaseRecord[];
    let opened: Awaited<ReturnType<typeof openLocal>> | undefined;
    if (kube) {
      const { historyKubernetes } = await import("./deploy-kubernetes.js");
      environment = kube.env.name;
      records = (await historyKubernetes(ctx, kube.validated, kube.env)).filter((r): r is ReleaseRecord => r !== undefined);
    } else {
      opened = await openLocal(ctx, opts, loaded);
      environment = opened.model.environment;
      // Records are redacted when written; redacting again covers records written before a secret was known.
      records = (await readOnlySecrets(ctx, opened)).deep((await opened.history.list()).sort((a, b) => b.revision - a.revision));
    }
    if (ctx.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment, releases: records }, ...warningsField(opened) })}\n`);
      return 0;
    }
    const current = currentRelease(records)?.revision;
    const c = ctx.colors;
    const artifactOf = (r: (typeof records)[number]) =>
      r.artifact.kind === "local-snapshot" ? r.artifact.digest.slice(7, 19) : shortImage(r.artifact.ref);
    const width = Math.max(8, ...records.map((r) => artifactOf(r).length));
    ctx.stdout.write(`${c.bold(`REV  OUTCOME      STARTED                   TOOK     ${"ARTIFACT".padEnd(width)} GIT       NOTE`)}\n`);
    for (const r of records) {
      const took = r.finishedAt ? `${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)}s` : "";
      const artifact = artifactOf(r);
      const git = r.git ? `${r.git.commit.slice(0, 7)}${r.git.dirty ? "+" : ""}` : "-";
      const note = [
        r.revision === current ? "serving" : "",
        r.rollbackOf ? `rollback of ${r.rollbackOf}` : "",
        r.failure ? `${r.failure.class}: ${r.failure.message}` : "",
      ]
        .filter(Boolean)
        .join("; ");
      const outcome =
        r.outcome === "succeeded"
          ? c.green(r.outcome.padEnd(12))
          : r.outcome === "failed"
            ? c.red(r.outcome.padEnd(12))
            : c.yellow(r.outcome.padEnd(12));
      ctx.stdout.write(
        `${String(r.revision).padEnd(4)} ${outcome} ${r.startedAt.padEnd(25)} ${took.padEnd(8)} ${artifact.padEnd(width)} ${git.padEnd(9)} ${note}\n`,
      );
    }
    if (records.length === 0) ctx.stdout.write("(no releases yet: slipway deploy)\n");
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

export async function statusCommand(ctx: CliContext, opts: EnvOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    if (kube) {
      const { statusKubernetes } = await import("./deploy-kubernetes.js");
      return await statusKubernetes(ctx, kube.validated, kube.env);
    }
    const opened = await openLocal(ctx, opts, loaded);
    const records = (await readOnlySecrets(ctx, opened)).deep(await opened.history.list());
    const current = currentRelease(records);
    const last = [...records].sort((a, b) => b.revision - a.revision)[0];
    const served = await readServedRevision(join(opened.stateDir, "proxy"));
    const instances = (current ? instancesOf(current.runtime) : []).map((i) => ({
      ...i,
      alive: isAlive(i.pid, i.startTime),
    }));
    const lockHolder = await opened.lock.inspect();
    const port = opened.model.target.type === "local" ? opened.model.target.port : 4000;
    const status = {
      app: opened.model.name,
      environment: opened.model.environment,
      url: `http://127.0.0.1:${port}/`,
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
    if (ctx.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, result: status, ...warningsField(opened) })}\n`);
      return 0;
    }
    const c = ctx.colors;
    ctx.stdout.write(`${c.bold(`${status.app} → ${status.environment}`)}  ${status.url}\n`);
    if (status.stopped)
      ctx.stdout.write(
        `serving:  nothing — ${c.yellow("stopped")} (revision ${status.serving} served last; slipway deploy -e ${status.environment} starts a new release)\n`,
      );
    else
      ctx.stdout.write(
        `serving:  ${status.serving === undefined ? "nothing" : `revision ${status.serving}`} ${status.healthy ? c.green("(healthy)") : c.red("(not healthy)")}\n`,
      );
    for (const [i, inst] of instances.entries())
      ctx.stdout.write(`  instance ${i + 1}: pid ${inst.pid} port ${inst.port} ${inst.alive ? c.green("up") : c.red("down")}\n`);
    if (status.lastDeploy)
      ctx.stdout.write(
        `last deploy: revision ${status.lastDeploy.revision} ${status.lastDeploy.outcome}${status.lastDeploy.failure ? ` — ${status.lastDeploy.failure}` : ""}\n`,
      );
    if (lockHolder) ctx.stdout.write(c.yellow(`locked by pid ${lockHolder.pid} on ${lockHolder.host} (${lockHolder.command})\n`));
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

export async function logsCommand(
  ctx: CliContext,
  opts: EnvOptions & { follow?: boolean; revision?: number; lines?: number },
): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    if (kube) {
      const { logsKubernetes } = await import("./kube-logs-exec.js");
      return await logsKubernetes(ctx, kube.validated, kube.env, opts);
    }
    const opened = await openLocal(ctx, opts, loaded);
    const records = await opened.history.list();
    const record = opts.revision !== undefined ? records.find((r) => r.revision === opts.revision) : currentRelease(records);
    if (!record)
      throw new SlipwayError(
        "DEPLOY_NO_RELEASE",
        opts.revision !== undefined ? `no revision ${opts.revision}` : "nothing has been deployed yet",
        {
          hint: "See `slipway history`.",
        },
      );
    const { target } = await makeTarget(ctx, opened);
    const redactor = await target.collectSecrets(opened.model);
    const redact = (line: string) => redactor.text(line);
    const dir = join(opened.stateDir, "releases", String(record.revision));
    const files = ["prepare", "setup", "migrate"].map((p) => ({ name: p, path: join(dir, `${p}.log`) }));
    const instances = instancesOf(record.runtime);
    instances.forEach((inst, i) => {
      files.push({ name: `instance-${i + 1}`, path: inst.logFile });
    });
    const lines = opts.lines ?? 50;
    // --json: one result with every line, or with --follow one `{type: "log"}` object per line.
    const collected: { source: string; line: string }[] = [];
    const print = (source: string, line: string) => {
      if (ctx.json && !opts.follow) collected.push({ source, line: redact(line) });
      else if (ctx.json) ctx.stdout.write(`${JSON.stringify({ type: "log", source, line: redact(line) })}\n`);
      else ctx.stdout.write(`${ctx.colors.dim(`${source} │`)} ${redact(line)}\n`);
    };
    const sizes = new Map<string, number>();
    for (const f of files.filter((f) => existsSync(f.path))) {
      const size = statSync(f.path).size;
      const tail = await tailFile(f.path, lines);
      // Following: a last line still being written is printed whole once its newline arrives.
      const partial = opts.follow ? await partialLineBytes(f.path, size) : 0;
      for (const line of partial > 0 ? tail.slice(0, -1) : tail) print(f.name, line);
      sizes.set(f.path, size - partial);
    }
    if (ctx.json && !opts.follow) {
      ctx.stdout.write(
        `${JSON.stringify({ ok: true, result: { environment: opened.model.environment, revision: record.revision, lines: collected }, ...warningsField(opened) })}\n`,
      );
    }
    if (!opts.follow) return 0;
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
  } catch (error) {
    return report(ctx, error);
  }
}

/** How many bytes at the end of a file follow its last newline (at most 256 KB looked at). */
async function partialLineBytes(path: string, size: number): Promise<number> {
  const text = (await readFile(path)).subarray(Math.max(0, size - 256 * 1024), size);
  const newline = text.lastIndexOf(0x0a);
  return newline === -1 ? (size > text.length ? 0 : text.length) : text.length - newline - 1;
}

export async function execCommand(ctx: CliContext, opts: EnvOptions & { tty?: boolean }, command: readonly string[]): Promise<number> {
  try {
    if (command.length === 0)
      throw new SlipwayError("USAGE", "exec needs a command after --", { hint: "e.g. slipway exec -e local -- node -e 'console.log(1)'" });
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    if (kube) {
      const { execKubernetes } = await import("./kube-logs-exec.js");
      return await execKubernetes(ctx, kube.validated, kube.env, command, { tty: opts.tty === true });
    }
    const opened = await openLocal(ctx, opts, loaded);
    const record = currentRelease(await opened.history.list());
    if (!record) throw new SlipwayError("DEPLOY_NO_RELEASE", "nothing has been deployed yet", { hint: "Run slipway deploy first." });
    const { target } = await makeTarget(ctx, opened);
    const cwd = record.artifact.kind === "local-snapshot" ? record.artifact.path : opened.specDir;
    const env = withReleasePath(await target.appEnv(opened.model, record.revision, undefined, "web"), cwd, opened.model);
    const argv = command[0] === "node" ? [process.execPath, ...command.slice(1)] : [...command];
    return await new Promise<number>((done) => {
      const child = spawn(argv[0] as string, argv.slice(1), { cwd, env, stdio: "inherit" });
      child.on("error", (error) => {
        ctx.stderr.write(`slipway exec: ${error.message}\n`);
        done(127);
      });
      child.on("exit", (code, signal) => done(code ?? (signal ? 128 : 1)));
    });
  } catch (error) {
    return report(ctx, error);
  }
}

export async function unlockCommand(ctx: CliContext, opts: EnvOptions & { force?: boolean }): Promise<number> {
  try {
    if (!opts.force)
      throw new SlipwayError("USAGE", "unlock removes another deploy's lock; say --force to confirm", {
        hint: "slipway unlock --force -e ENV",
      });
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    let holder: Awaited<ReturnType<ReturnType<typeof fileLock>["forceUnlock"]>>;
    if (kube) {
      const { unlockKubernetes } = await import("./deploy-kubernetes.js");
      holder = await unlockKubernetes(ctx, kube.validated, kube.env);
    } else holder = await (await openLocal(ctx, opts, loaded)).lock.forceUnlock();
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { removed: holder ?? null } })}\n`);
    else ctx.stderr.write(holder ? `removed the lock of pid ${holder.pid} on ${holder.host} (${holder.command})\n` : "there was no lock\n");
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/** `slipway down`: stops the environment's processes, proxy and database server; keeps data and history. */
export async function downCommand(ctx: CliContext, opts: EnvOptions): Promise<number> {
  try {
    const opened = await openLocal(ctx, opts);
    const stopped: string[] = [];
    // Each process is signalled only while its pid still has the start time recorded for it.
    for (const { revision, pids } of await stopReleaseProcesses(opened.stateDir, await opened.history.list(), new Set(), 10_000))
      for (const pid of pids) stopped.push(`${revision === undefined ? "unrecorded release" : `revision ${revision}`} pid ${pid}`);
    if (await stopProxy(join(opened.stateDir, "proxy"))) stopped.push("proxy");
    const engine = opened.model.database?.engine;
    if (engine === "postgres" && (await stopPostgres(databaseStateDir(opened.stateDir, engine)))) stopped.push("postgres");
    if (engine === "mysql" && (await stopMariadb(databaseStateDir(opened.stateDir, engine)))) stopped.push("mariadb");
    // What no record names any more (.slipway deleted while it ran, an edited record), found by what it is.
    const strays = await environmentProcesses(
      { stateDir: opened.stateDir, app: opened.model.name, environment: opened.model.environment },
      "all",
    );
    for (const kind of ["instance", "daemon"] as const) {
      const now = strays.filter((p) => p.kind === kind);
      const results = await Promise.all(now.map((p) => stopProcess({ pid: p.pid, startTime: p.startTime }, { graceMs: 10_000 })));
      now.forEach((p, i) => {
        if (results[i]?.wasRunning) stopped.push(`${kind === "instance" ? "unrecorded instance" : "unrecorded daemon"} pid ${p.pid}`);
      });
    }
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { stopped }, ...warningsField(opened) })}\n`);
    else ctx.stderr.write(stopped.length > 0 ? `stopped: ${stopped.join(", ")}\n` : "nothing was running\n");
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/**
 * `slipway dev`: the app from its own folder (no snapshot, no proxy) with the embedded database,
 * migrations applied and env wired as in a deploy; restarted when a file changes.
 */
export async function devCommand(ctx: CliContext, opts: EnvOptions & { port?: number }): Promise<number> {
  try {
    const opened = await openLocal(ctx, opts);
    const { model, specDir } = opened;
    const { target } = await makeTarget(ctx, opened);
    const reporter = humanReporter(ctx.stderr, ctx.colors);
    const release = { model, revision: 0, previous: undefined, rollbackOf: undefined, reporter };
    await target.ensureDatabase(release);
    const port = opts.port ?? model.port;
    // The app's own folders (a virtualenv's bin/) first on PATH, as in a release.
    const env = withReleasePath(await target.appEnv(model, 0, port, "web"), specDir, model);
    const redactor = await target.collectSecrets(model);
    const redact = (line: string) => redactor.text(line);
    if (model.release.migrate) {
      const migrateEnv = withReleasePath(await target.appEnv(model, 0, undefined, "migrate"), specDir, model);
      const argv = model.release.migrate[0] === "node" ? [process.execPath, ...model.release.migrate.slice(1)] : [...model.release.migrate];
      const result = await runCommand({
        command: argv,
        cwd: specDir,
        env: migrateEnv,
        timeoutMs: 30 * 60_000,
        onLine: (line) => ctx.stderr.write(`${ctx.colors.dim(`migrate │ ${redact(line)}`)}\n`),
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
    const argv = command[0] === "node" ? [process.execPath, ...command.slice(1)] : command;
    let child: ReturnType<typeof spawn> | undefined;
    const startApp = () => {
      ctx.stderr.write(
        `${ctx.colors.green("▸")} ${command.join(" ")} on http://127.0.0.1:${port}/ ${ctx.colors.dim("(restarts on change; Ctrl-C stops)")}\n`,
      );
      child = spawn(argv[0] as string, argv.slice(1), { cwd: specDir, env, stdio: ["ignore", "inherit", "inherit"] });
    };
    const stopApp = () =>
      new Promise<void>((done) => {
        const running = child;
        if (!running || running.exitCode !== null || running.signalCode !== null) return done();
        running.once("exit", () => done());
        running.kill("SIGTERM");
        setTimeout(() => running.kill("SIGKILL"), 5_000).unref();
      });
    startApp();
    let timer: NodeJS.Timeout | undefined;
    // What git ignores and the app's own log output never restart it (nor would the app ever settle).
    const ignored = devIgnore(specDir);
    const watcher = watch(specDir, { recursive: true }, (_event, file) => {
      if (!file || ignored(file)) return;
      clearTimeout(timer);
      timer = setTimeout(async () => {
        ctx.stderr.write(`${ctx.colors.yellow("↺")} ${file} changed; restarting\n`);
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
  } catch (error) {
    return report(ctx, error);
  }
}

/** `slipway diff -e ENV`: for a Kubernetes environment, what a deploy would change. */
export async function diffCommand(ctx: CliContext, opts: EnvOptions & { tag?: string; digest?: string }): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const kube = loaded.env.target.type === "kubernetes" ? loaded : undefined;
    if (!kube) {
      throw new SlipwayError(
        "DEPLOY_TARGET_UNSUPPORTED",
        "diff compares a render with a cluster: choose an environment whose target is Kubernetes",
        {
          hint: "e.g. slipway diff -e staging",
        },
      );
    }
    const { diffKubernetes } = await import("./deploy-kubernetes.js");
    return await diffKubernetes(ctx, kube.validated, kube.env, opts);
  } catch (error) {
    return report(ctx, error);
  }
}

/** `node-postgres:1.0.0` / `node-postgres@sha256:1a2b3c4d5e6f` from a full image reference, for a table column. */
export function shortImage(ref: string): string {
  const name = ref.slice(ref.lastIndexOf("/") + 1);
  const at = name.indexOf("@");
  return at === -1 ? name : name.slice(0, at + 20);
}
