import { relative, resolve } from "node:path";
import { findingLocation } from "../../check/reporters/json.js";
import { type DeployOptions, type DeployResult, deploy } from "../../deploy/engine.js";
import type { Reporter } from "../../deploy/events.js";
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { ResolvedTarget } from "../../spec/resolve.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import type { CliContext } from "../context.js";
import { signalExitCode, whileInterruptible } from "../interrupts.js";
import { report } from "../report.js";
import { preflightFindings } from "./preflight.js";

/*
 * Steps every target's deploy command shares: choosing the release to roll back to, the preflight
 * check, and turning the engine's result into output and an exit code.
 */

/**
 * Whether `deploy --build` pushes what it builds. A host target that copies images from this machine
 * (imageTransfer auto or copy) deploys the fresh local build by its tag, copied over SSH: one server
 * without a registry needs no push, and `auto` copies an image this machine has either way. A host
 * target that only pulls, and Kubernetes, need the image in the registry.
 */
export function buildPushes(target: ResolvedTarget): boolean {
  return !(target.type === "host" && target.imageTransfer !== "pull");
}

/** The release `rollback` puts back: `--to N`, or the newest successful one before the current. */
export function pickRollback(records: readonly ReleaseRecord[], to: number | undefined): ReleaseRecord {
  const current = currentRelease(records);
  const candidates = records
    .filter((r) => r.outcome === "succeeded" && r.revision !== current?.revision)
    .sort((a, b) => b.revision - a.revision);
  const wanted = to === undefined ? candidates[0] : records.find((r) => r.revision === to);
  if (to !== undefined && wanted === undefined) {
    const known = records.map((r) => r.revision).sort((a, b) => a - b);
    throw new SlipwayError(
      "DEPLOY_NO_RELEASE",
      `revision ${to} does not exist${known.length > 0 ? ` (recorded: ${known.length > 10 ? "…, " : ""}${known.slice(-10).join(", ")})` : ""}`,
      {
        hint: "See `slipway history` for the revisions you can roll back to; pruned revisions are gone.",
      },
    );
  }
  if (wanted?.outcome !== "succeeded") {
    throw new SlipwayError(
      "DEPLOY_NO_RELEASE",
      to === undefined
        ? "there is no earlier successful release to roll back to"
        : `revision ${to} is not a successful release (it ${wanted?.outcome === "in-progress" ? "is in progress" : wanted?.outcome})`,
      { hint: "See `slipway history` for the revisions you can roll back to." },
    );
  }
  return wanted;
}

/**
 * The preflight: `slipway check` of what this environment deploys (see preflight.ts); findings at
 * high or above stop the deploy. The error names the one command that shows the same findings.
 */
export async function runPreflight(
  ctx: CliContext,
  reporter: Reporter,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: { file: string; tag?: string | undefined; digest?: string | undefined },
): Promise<void> {
  const specFile = resolve(ctx.cwd, opts.file);
  const t0 = Date.now();
  const preflight = await preflightFindings(validated, env, {
    cwd: ctx.cwd,
    specFile,
    specShown: relative(ctx.cwd, specFile) || opts.file,
    file: opts.file,
    tag: opts.tag,
    digest: opts.digest,
    today: ctx.env.SLIPWAY_TODAY ?? new Date().toISOString().slice(0, 10),
    drivers: ctx.drivers,
  });
  if (!preflight.checked) {
    reporter.emit({
      type: "phase-skipped",
      phase: "preflight",
      reason: `environment '${env.name}' deploys ${preflight.deploys ?? "nothing slipway renders"}: no check rule applies`,
    });
    return;
  }
  reporter.emit({ type: "phase-started", phase: "preflight", detail: preflight.command });
  const { findings } = preflight;
  if (findings.length > 0) {
    for (const f of findings) {
      reporter.emit({
        type: "finding",
        phase: "preflight",
        ruleId: f.ruleId,
        severity: f.severity,
        location: findingLocation(f),
        message: f.message,
      });
    }
    const shown = findings.slice(0, 3).map((f) => `${f.ruleId} ${findingLocation(f)}: ${f.message}`);
    const more = findings.length > 3 ? `; and ${findings.length - 3} more` : "";
    throw new SlipwayError("DEPLOY_PREFLIGHT", `preflight: ${findings.length} finding(s) at high or above — ${shown.join("; ")}${more}`, {
      hint: `\`${preflight.command}\` shows them. Fix them, waive one in checks.waivers with a reason, or deploy anyway with --force.`,
    });
  }
  reporter.emit({ type: "phase-finished", phase: "preflight", durationMs: Date.now() - t0 });
}

/** Prints the engine's result (JSON or a located error) and returns the exit code. */
export function finishDeploy(
  ctx: CliContext,
  result: DeployResult,
  environment: string,
  failedHint: string,
  warnings: readonly { file: string; message: string }[] = [],
): number {
  // Problems found on the way (a skipped history record, say), in the final --json line.
  const extra = warnings.length > 0 ? { warnings } : {};
  if (result.interrupted !== undefined) return reportInterrupted(ctx, result.interrupted, environment, result);
  if (result.ok) {
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result, ...extra })}\n`);
    return 0;
  }
  // Failure messages already carry their chain of context (`deploy staging: rollout of …`).
  const message = result.failure?.message ?? "failed";
  const prefix = `${result.rollbackOf === undefined ? "deploy" : `rollback to revision ${result.rollbackOf}`} ${environment}: `;
  const error = new SlipwayError("DEPLOY_FAILED", message.startsWith(prefix) ? message : `${prefix}${message}`, { hint: failedHint });
  if (ctx.json) {
    ctx.stdout.write(
      `${JSON.stringify({ ok: false, error: { ...error.toJSON(), failure: result.failure, revision: result.revision, serving: result.serving }, ...extra })}\n`,
    );
    return error.exitCode;
  }
  return report(ctx, error);
}

/**
 * Runs the engine with Ctrl-C and SIGTERM turned into a clean stop (see DeployOptions.signal); a
 * second signal exits at once.
 */
export function deployInterruptibly(options: Omit<DeployOptions, "signal">): Promise<DeployResult> {
  return whileInterruptible(
    (signal) => deploy({ ...options, signal }),
    (name) =>
      options.reporter.emit({
        type: "waiting",
        phase: "rollback",
        message: `${name}: stopping cleanly; the previous release keeps serving (or the new one, once it serves). Press Ctrl-C again to exit at once.`,
      }),
  );
}

/**
 * A deploy stopped by SIGINT/SIGTERM: what serves now, as DEPLOY_INTERRUPTED, exit 130 or 143.
 */
export function reportInterrupted(ctx: CliContext, signal: string, environment: string, result: DeployResult): number {
  const what =
    result.revision === 0
      ? "it had not started (it was waiting for the lock)"
      : result.ok
        ? `revision ${result.revision} had taken traffic and serves; the previous release was stopped without waiting for its open requests`
        : `rolled back: ${result.serving === undefined ? "nothing served before, nothing serves now" : `revision ${result.serving} still serves`}`;
  const error = new SlipwayError("DEPLOY_INTERRUPTED", `deploy ${environment}: interrupted by ${signal}; ${what}`, {
    hint: `Deploy again when ready; slipway history -e ${environment} shows what was recorded.`,
  });
  if (ctx.json) {
    ctx.stdout.write(
      `${JSON.stringify({ ok: false, error: { ...error.toJSON(), revision: result.revision, serving: result.serving } })}\n`,
    );
  } else report(ctx, error);
  return signalExitCode(signal);
}
