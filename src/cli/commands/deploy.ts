import { createHash } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import { readSpecBytes } from "../../effects/files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { InfraOutputs } from "../../model/infra-outputs.js";
import { humanReporter, jsonReporter } from "../../output/deploy-reporters.js";
import { deployGateDecision } from "../../plan/golive.js";
import { locationOf } from "../../spec/load.js";
import { imageRefPattern } from "../../spec/schema.js";
import { type CliContext, secretsOf } from "../context.js";
import { type InfraOutputsFlags, infraOutputsFor } from "../infra-outputs.js";
import { report } from "../report.js";
import { buildPushes, deployInterruptibly, finishDeploy, pickRollback, runPreflight } from "./deploy-steps.js";
import {
  type CommandWarning,
  type EnvOptions,
  type Loaded,
  loadEnvironment,
  openSession,
  styled,
  unsupported,
  warningsField,
  withSession,
} from "./environment.js";

export { type CommandWarning, type EnvOptions, loadEnvironment, styled, unsupported, withSession };

/*
 * The environment commands (deploy, rollback, history, status, logs, exec, unlock, down, dev, diff):
 * each loads the spec, asks the environment's target driver for a session and renders what the
 * session returns. Nothing here knows a target by name; what a target can do is its driver's
 * capabilities.
 */

export interface DeployCommandOptions extends EnvOptions {
  tag?: string;
  digest?: string;
  /** Build and push app.build's image first, then deploy its digest. */
  build?: boolean;
  force?: boolean;
  /** Kubernetes: take over fields another field manager owns. */
  forceConflicts?: boolean;
  /** false with --no-rollback. */
  rollback?: boolean;
  wait?: boolean;
  /** Parsed and range-checked by the CLI (numberRules.keep); each target has its own default. */
  keep?: number;
  to?: number;
  /** Seconds. */
  healthTimeout?: number;
  /** Terraform outputs file; else read from the environment's root (src/cli/infra-outputs.ts). */
  infra?: string;
  infraDir?: string;
}

/** The Terraform outputs a Kubernetes environment's model takes, by the one rule of src/cli/infra-outputs.ts. */
async function infraOf(ctx: CliContext, loaded: Loaded, flags: InfraOutputsFlags): Promise<InfraOutputs | undefined> {
  if (loaded.driver.capabilities.renders !== "kubernetes") return undefined;
  const source = await infraOutputsFor(ctx, loaded.validated, loaded.env.name, flags);
  if (source !== undefined && !ctx.json) ctx.stderr.write(`${ctx.colors.dim(`infrastructure outputs from ${source.from}`)}\n`);
  return source?.outputs;
}

/** `slipway deploy` and `slipway rollback` (a deploy of an earlier release's artifact). */
export async function deployCommand(ctx: CliContext, opts: DeployCommandOptions, mode: "deploy" | "rollback" = "deploy"): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    // A production environment's go-live gates, before anything is built, locked or started (rollback restores what served: not gated).
    const gates = mode === "deploy" && loaded.env.production ? await productionGates(ctx, loaded, opts) : undefined;
    if (typeof gates === "number") return gates;
    const infra = mode === "deploy" ? await infraOf(ctx, loaded, opts) : undefined;
    const image =
      mode === "deploy" && buildsFirst(loaded, opts) ? await buildFirst(ctx, loaded, opts, infra) : { tag: opts.tag, digest: opts.digest };
    const { session, warnings } = await openSession(ctx, loaded, mode, { ...image, infra });
    try {
      const rollbackOf = mode === "rollback" ? pickRollback(await session.history.list(), opts.to) : undefined;
      const reporter = ctx.json ? jsonReporter(ctx.stdout) : humanReporter(ctx.stderr, ctx.colors);
      if (mode === "deploy" && !opts.force) await runPreflight(ctx, reporter, loaded.validated, loaded.env, { ...opts, ...image });
      const plan = await session.deploy({
        rollbackOf,
        healthTimeoutMs: opts.healthTimeout === undefined ? undefined : opts.healthTimeout * 1000,
        forceConflicts: opts.forceConflicts === true,
      });
      const specText = ctx.sources.get(loaded.validated.file) ?? new TextDecoder().decode(await readSpecBytes(loaded.file));
      const result = await deployInterruptibly({
        model: plan.model,
        target: plan.target,
        history: session.history,
        lock: session.lock,
        reporter,
        specHash: `sha256:${createHash("sha256").update(specText).digest("hex")}`,
        git: plan.git,
        who: { user: userInfo().username, host: hostname(), pid: process.pid },
        secrets: plan.secrets,
        redactor: secretsOf(ctx),
        rollbackTo: rollbackOf?.revision,
        noRollback: opts.rollback === false,
        waitForLock: opts.wait !== false,
        lockTimeoutMs: 10 * 60_000,
        keepReleases: opts.keep ?? plan.keepReleases,
        overriddenGates: gates?.overriddenGates,
      });
      return finishDeploy(ctx, result, loaded.env.name, plan.failedHint(result), warnings());
    } finally {
      session.close();
    }
  } catch (error) {
    return report(ctx, error);
  }
}

/**
 * `deploy` to an environment marked `production: true`: the `slipway golive` gates. When one fails the
 * deploy stops here (GOLIVE_GATE_FAILED, the failed gates with their evidence; the exit code is
 * returned); with --force it goes on, warns, and returns the overridden gates for the release record.
 */
async function productionGates(
  ctx: CliContext,
  loaded: Loaded,
  opts: DeployCommandOptions,
): Promise<number | { overriddenGates: string[] | undefined }> {
  const { goliveGates, goliveText } = await import("./golive.js");
  const result = await goliveGates(ctx, loaded, { file: opts.file });
  const decision = deployGateDecision(result, opts.force === true);
  const name = loaded.env.name;
  if (decision.action === "proceed") return { overriddenGates: undefined };
  const ids = decision.failed.map((g) => g.id).join(", ");
  if (decision.action === "overridden") {
    const text = `--force: deploying to production environment '${name}' past failed go-live gates: ${ids} (recorded in history)`;
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ type: "golive-overridden", gates: decision.failed })}\n`);
    else ctx.stderr.write(`${ctx.colors.yellow("warning:")} ${text}\n`);
    return { overriddenGates: decision.overriddenGates };
  }
  const error = new SlipwayError("GOLIVE_GATE_FAILED", `deploy ${name}: production environment not ready to go live: ${ids} failed`, {
    location: locationOf(loaded.validated.source, ["environments", name, "production"]),
    hint: `\`slipway golive -e ${name}\` lists every gate with its evidence and how to make it pass; fix the failed ones, or deploy anyway with --force (the overridden gates are recorded in history).`,
  });
  if (ctx.json) {
    ctx.stdout.write(`${JSON.stringify({ ok: false, golive: result, error: error.toJSON() })}\n`);
    return error.exitCode;
  }
  ctx.stderr.write(goliveText(ctx, result, true));
  return report(ctx, error);
}

/**
 * Whether a deploy builds first: with --build; and by default when the target runs an image, the
 * spec has app.build, and neither the spec's image nor --tag/--digest names a tag or digest (there
 * is nothing else to deploy). --no-build turns the default off.
 */
function buildsFirst(loaded: Loaded, opts: DeployCommandOptions): boolean {
  if (opts.build !== undefined) return opts.build;
  if (opts.tag !== undefined || opts.digest !== undefined || !loaded.driver.capabilities.runsImage || loaded.env.app.build === undefined)
    return false;
  const groups = imageRefPattern.exec(loaded.env.app.image)?.groups;
  return groups?.tag === undefined && groups?.digest === undefined;
}

/** `deploy --build`: builds and pushes the image, then the deploy runs repository@digest (a tag names it in history); a host target that copies images deploys the local build by its tag (buildPushes). */
async function buildFirst(
  ctx: CliContext,
  loaded: Loaded,
  opts: DeployCommandOptions,
  infra: InfraOutputs | undefined,
): Promise<{ tag: string; digest: string | undefined }> {
  if (!loaded.driver.capabilities.runsImage) {
    throw new SlipwayError(
      "BUILD_NOT_CONFIGURED",
      `environment '${loaded.env.name}' targets ${loaded.driver.type}, which runs no image: --build has nothing to deploy`,
      {
        location: locationOf(loaded.validated.source, ["environments", loaded.env.name, "target"]),
        hint: `Deploy without --build; the ${loaded.driver.type} target runs the app's folder.`,
      },
    );
  }
  const { buildForSpec } = await import("./build.js");
  const push = buildPushes(loaded.env.target);
  const built = await buildForSpec(ctx, loaded.validated, loaded.env, { push, force: opts.force === true, infra });
  // What was built, before the deploy's own events: CI reads the digest from here or from history.
  if (ctx.json)
    ctx.stdout.write(
      `${JSON.stringify({ type: "image-built", ref: built.ref, digest: built.digest, image: built.pinned ?? built.ref })}\n`,
    );
  else
    ctx.stderr.write(push ? `built and pushed ${built.pinned}\n` : `built ${built.ref} (not pushed: the deploy copies it to the server)\n`);
  return { tag: built.tag, digest: built.digest };
}

export async function historyCommand(ctx: CliContext, opts: EnvOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const environment = loaded.env.name;
    const { records, warnings } = await withSession(ctx, loaded, "history", async (session, warnings) => ({
      records: await session.releases(),
      warnings,
    }));
    if (ctx.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment, releases: records }, ...warningsField(warnings) })}\n`);
      return 0;
    }
    const current = currentRelease(records)?.revision;
    const c = ctx.colors;
    const artifactOf = (r: ReleaseRecord) =>
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
        r.overriddenGates?.length ? `forced past go-live gates: ${r.overriddenGates.join(", ")}` : "",
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
    const { view, warnings } = await withSession(ctx, loaded, "status", async (session, warnings) => ({
      view: await session.status(),
      warnings,
    }));
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: view.result, ...warningsField(warnings) })}\n`);
    else for (const line of view.lines) ctx.stdout.write(`${styled(ctx, line)}\n`);
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
    const follow = opts.follow === true;
    // --json: one result with every line, or with --follow one `{type: "log"}` object per line.
    const collected: Record<string, string>[] = [];
    return await withSession(ctx, loaded, "logs", async (session, warnings) => {
      const summary = await session.logs({ follow, revision: opts.revision, lines: opts.lines ?? 50 }, ({ label, fields, line }) => {
        if (ctx.json && !follow) collected.push({ ...fields, line });
        else if (ctx.json) ctx.stdout.write(`${JSON.stringify({ type: "log", ...fields, line })}\n`);
        else ctx.stdout.write(`${ctx.colors.dim(`${label} │`)} ${line}\n`);
      });
      if (ctx.json && !follow)
        ctx.stdout.write(
          `${JSON.stringify({ ok: true, result: { ...summary.about, lines: collected, ...summary.extra }, ...warningsField(warnings) })}\n`,
        );
      else if (!ctx.json)
        for (const note of summary.notes)
          ctx.stderr.write(note.label === undefined ? `${note.message}\n` : `${ctx.colors.yellow(note.label)} ${note.message}\n`);
      return 0;
    });
  } catch (error) {
    return report(ctx, error);
  }
}

export async function execCommand(ctx: CliContext, opts: EnvOptions & { tty?: boolean }, command: readonly string[]): Promise<number> {
  try {
    if (command.length === 0)
      throw new SlipwayError("USAGE", "exec needs a command after --", { hint: "e.g. slipway exec -e local -- node -e 'console.log(1)'" });
    const loaded = await loadEnvironment(ctx, opts);
    return await withSession(ctx, loaded, "exec", (session) =>
      session.exec(command, { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, tty: opts.tty === true }),
    );
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
    const holder = await withSession(ctx, loaded, "unlock", (session) => session.lock.forceUnlock());
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { removed: holder ?? null } })}\n`);
    else ctx.stderr.write(holder ? `removed the lock of pid ${holder.pid} on ${holder.host} (${holder.command})\n` : "there was no lock\n");
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/** `slipway down`: stops what the environment's target started (processes, proxy, database server); keeps data and history. */
export async function downCommand(ctx: CliContext, opts: EnvOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    if (!loaded.driver.capabilities.down)
      throw unsupported(
        loaded,
        "slipway down stops what slipway started on this machine",
        "Use it with an environment whose target is local.",
      );
    const { list, warnings } = await withSession(ctx, loaded, "down", async (session, warnings) => ({
      list: (await requirePart(session.down, "down").call(session)).stopped,
      warnings,
    }));
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { stopped: list }, ...warningsField(warnings) })}\n`);
    else ctx.stderr.write(list.length > 0 ? `stopped: ${list.join(", ")}\n` : "nothing was running\n");
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/** A capability the driver declares: its session must have the method (a bug otherwise). */
function requirePart<T extends (...args: never[]) => unknown>(part: T | undefined, name: string): T {
  if (part === undefined) throw new SlipwayError("INTERNAL", `the target driver declares '${name}' but its session has no ${name}()`);
  return part;
}

/**
 * `slipway dev`: the app from its own folder with the environment's database, migrations applied,
 * restarted when a file changes.
 */
export async function devCommand(ctx: CliContext, opts: EnvOptions & { port?: number }): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    if (!loaded.driver.capabilities.dev)
      throw unsupported(
        loaded,
        "slipway dev runs the app from its folder on this machine",
        "Use it with an environment whose target is local: slipway dev -e local",
      );
    const c = ctx.colors;
    return await withSession(ctx, loaded, "dev", (session) =>
      requirePart(session.dev, "dev").call(
        session,
        { port: opts.port },
        {
          reporter: humanReporter(ctx.stderr, ctx.colors),
          migrateLine: (line) => ctx.stderr.write(`${c.dim(`migrate │ ${line}`)}\n`),
          started: (command, url) =>
            ctx.stderr.write(`${c.green("▸")} ${command} on ${url} ${c.dim("(restarts on change; Ctrl-C stops)")}\n`),
          restarting: (file) => ctx.stderr.write(`${c.yellow("↺")} ${file} changed; restarting\n`),
        },
      ),
    );
  } catch (error) {
    return report(ctx, error);
  }
}

/** `slipway diff -e ENV`: what a deploy would change, for targets that can tell (Kubernetes: a server-side dry run). */
export async function diffCommand(
  ctx: CliContext,
  opts: EnvOptions & InfraOutputsFlags & { tag?: string; digest?: string },
): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    if (!loaded.driver.capabilities.diff) {
      throw new SlipwayError(
        "DEPLOY_TARGET_UNSUPPORTED",
        "diff compares a render with a cluster: choose an environment whose target is Kubernetes",
        {
          hint: "e.g. slipway diff -e staging",
        },
      );
    }
    const infra = await infraOf(ctx, loaded, opts);
    const { environment, changes } = await withSession(ctx, loaded, "diff", (session) => requirePart(session.diff, "diff").call(session), {
      tag: opts.tag,
      digest: opts.digest,
      infra,
    });
    const changed = changes.filter((c) => c.action === "create" || c.action === "update");
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment, changes } })}\n`);
    else {
      const c = ctx.colors;
      for (const change of changes) {
        if (change.action === "unchanged") continue;
        const mark =
          change.action === "create" ? c.green("+ create") : change.action === "update" ? c.yellow("~ update") : c.dim("- skip  ");
        ctx.stdout.write(`${mark} ${change.object}${change.note ? c.dim(` (${change.note})`) : ""}\n`);
        if (change.action === "update") {
          for (const line of change.diff)
            ctx.stdout.write(`    ${line.startsWith("+") ? c.green(line) : line.startsWith("-") ? c.red(line) : c.dim(line)}\n`);
        }
      }
      ctx.stdout.write(`${changed.length} object(s) would change, ${changes.filter((x) => x.action === "unchanged").length} unchanged\n`);
    }
    // Like `diff` and `kubectl diff`: 1 when something would change.
    return changed.length > 0 ? 1 : 0;
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
