import { dirname, join, relative } from "node:path";
import { SlipwayError } from "../../errors/slipway-error.js";
import { infraSettings } from "../../model/infra.js";
import type { ReleaseRecord } from "../../model/release-record.js";
import { type DbEvent, evaluateGolive, type Gate, type GoliveResult } from "../../plan/golive.js";
import { renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import { buildModel } from "../../spec/normalize.js";
import type { CliContext } from "../context.js";
import { report } from "../report.js";
import { type EnvOptions, loadEnvironment, withSession } from "./environment.js";
import { preflightFindings } from "./preflight.js";

export interface GoliveOptions extends EnvOptions {
  maxDrillAge?: number;
}

/** The facts of an environment that the golive gates and the runbook read from its target: database history, deployed images. */
export async function targetFacts(
  ctx: CliContext,
  loaded: Awaited<ReturnType<typeof loadEnvironment>>,
): Promise<{ dbHistory: DbEvent[] | undefined; releases: ReleaseRecord[] | undefined }> {
  try {
    return await withSession(ctx, loaded, "history", async (session) => ({
      dbHistory: session.db?.history ? await session.db.history() : undefined,
      releases: await session.releases(),
    }));
  } catch (error) {
    // A target slipway runs the database of must answer; a cluster that cannot be reached leaves the release history unknown.
    if (loaded.driver.capabilities.db) throw error;
    if (!ctx.json) {
      const why = error instanceof Error ? error.message : String(error);
      const text = `the release history of '${loaded.env.name}' could not be read (${why}); what depends on it is marked unknown`;
      ctx.stderr.write(`${ctx.colors.yellow("warning:")} ${ctx.secrets ? ctx.secrets.text(text) : text}\n`);
    }
    return { dbHistory: undefined, releases: undefined };
  }
}

/** The AWS drills recorded for an Aurora environment (`slipway db drill`), or undefined for any other. */
export async function awsDrillHistory(loaded: Awaited<ReturnType<typeof loadEnvironment>>): Promise<DbEvent[] | undefined> {
  if (loaded.env.database === undefined || infraSettings(loaded.validated, loaded.env.name)?.database.service !== "aurora")
    return undefined;
  const { readDbHistory } = await import("../../effects/database-backup.js");
  const entries = await readDbHistory(join(dirname(loaded.file), ".slipway", loaded.env.name, "db-history"));
  return entries.filter((e) => e.action === "drill" && e.kind === "aws-point-in-time");
}

/**
 * The go-live gates of the loaded environment, its facts gathered from the spec, the preflight and
 * the target; secrets redacted. `slipway golive` prints them; `slipway deploy` to a production
 * environment runs them first.
 */
export async function goliveGates(
  ctx: CliContext,
  loaded: Awaited<ReturnType<typeof loadEnvironment>>,
  opts: { file: string; maxDrillAge?: number | undefined },
): Promise<GoliveResult> {
  const { validated, env, file } = loaded;
  const model = buildModel(validated, env, {});
  const preflight = await preflightFindings(validated, env, {
    cwd: ctx.cwd,
    specFile: file,
    specShown: relative(ctx.cwd, file) || opts.file,
    file: opts.file,
    today: ctx.env.SLIPWAY_TODAY ?? new Date().toISOString().slice(0, 10),
    drivers: ctx.drivers,
  });
  const objects = loaded.driver.capabilities.renders === "kubernetes" ? renderKubernetes(model) : undefined;
  const { dbHistory, releases } = await targetFacts(ctx, loaded);
  const awsDrills = await awsDrillHistory(loaded);
  const result = evaluateGolive(model, {
    // SLIPWAY_NOW (ISO 8601) fixes the clock for tests, as SLIPWAY_TODAY does for waivers.
    now: Number.isFinite(Date.parse(ctx.env.SLIPWAY_NOW ?? "")) ? (ctx.env.SLIPWAY_NOW as string) : new Date().toISOString(),
    maxDrillAgeDays: opts.maxDrillAge ?? 7,
    preflight: {
      checked: preflight.checked,
      deploys: preflight.deploys,
      command: preflight.command,
      findings: preflight.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, object: f.object, message: f.message })),
    },
    objects,
    dbHistory,
    awsDrills,
    deployedImages: releases
      ?.filter((r) => r.outcome === "succeeded" && r.artifact.kind === "image")
      .map((r) => (r.artifact.kind === "image" ? r.artifact.ref : "")),
  });
  return (ctx.secrets ? ctx.secrets.deep(result) : result) as GoliveResult;
}

/** `slipway golive -e ENV`: the go-live gates; exit 0 when none fails, 1 when one does. */
export async function goliveCommand(ctx: CliContext, opts: GoliveOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const { env } = loaded;
    const redacted = await goliveGates(ctx, loaded, opts);
    const failed = redacted.gates.filter((g) => g.status === "fail");
    const error =
      failed.length === 0
        ? undefined
        : new SlipwayError(
            "GOLIVE_GATE_FAILED",
            `environment '${env.name}' is not ready to go live: ${failed.map((g) => g.id).join(", ")} failed`,
            {
              hint: failed[0]?.hint ?? "Fix each failed gate and run slipway golive again.",
            },
          );
    if (ctx.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: error === undefined, result: redacted, ...(error ? { error: error.toJSON() } : {}) })}\n`);
      return error ? error.exitCode : 0;
    }
    ctx.stdout.write(goliveText(ctx, redacted));
    return error ? report(ctx, error) : 0;
  } catch (error) {
    return report(ctx, error);
  }
}

const marks: Record<Gate["status"], { text: string; tone: "green" | "red" | "dim" }> = {
  pass: { text: "pass", tone: "green" },
  fail: { text: "FAIL", tone: "red" },
  "not-applicable": { text: "n/a ", tone: "dim" },
};

/** The gates as text, one with its evidence (and hint, when it fails) per entry; `onlyFailed` lists the failed ones. */
export function goliveText(ctx: CliContext, result: GoliveResult, onlyFailed = false): string {
  const lines = [`${onlyFailed ? "failed go-live gates" : "go-live gates"} of '${result.environment}':`];
  for (const gate of result.gates) {
    if (onlyFailed && gate.status !== "fail") continue;
    const mark = marks[gate.status];
    lines.push(`  ${ctx.colors[mark.tone](mark.text)}  ${gate.id}: ${gate.title}`);
    lines.push(`        ${gate.evidence}`);
    if (gate.hint && gate.status === "fail") lines.push(`        hint: ${gate.hint}`);
  }
  const failed = result.gates.filter((g) => g.status === "fail").length;
  if (failed === 0) lines.push("ready to go live: no gate fails");
  return `${lines.join("\n")}\n`;
}
