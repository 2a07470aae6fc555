import { relative, resolve } from "node:path";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { InfraOutputs } from "../../model/infra-outputs.js";
import { locationOf } from "../../spec/load.js";
import { chooseEnvironment } from "../../spec/normalize.js";
import type { DriverContext, StyledLine, TargetCommand, TargetSession } from "../../targets/driver.js";
import { driverOf } from "../../targets/index.js";
import { type CliContext, secretsOf } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";

/*
 * What every environment command shares: the spec and environment loaded with its target's driver,
 * the session opened and closed, skipped release records reported once. deploy.ts, golive.ts,
 * runbook.ts and db.ts build on it (golive is also called by deploy, so it cannot import deploy.ts).
 */

export interface EnvOptions {
  file: string;
  env?: string;
  json?: boolean;
  /** Host target: the SHA256 fingerprint accepted for a server whose key is not pinned yet. */
  acceptHostKey?: string;
}

export interface CommandWarning {
  file: string;
  message: string;
}

/** The spec, the chosen environment and its target's driver. */
export async function loadEnvironment(ctx: CliContext, opts: EnvOptions) {
  const file = resolve(ctx.cwd, opts.file);
  const validated = await loadSpecForCli(ctx, file);
  const env = chooseEnvironment(validated, opts.env);
  const driver = await driverOf(env, ctx.drivers);
  return { file, validated, env, driver, acceptHostKey: opts.acceptHostKey };
}

export type Loaded = Awaited<ReturnType<typeof loadEnvironment>>;

/** Opens the environment's session; `warnings` lists the release records its history store skipped. */
export async function openSession(
  ctx: CliContext,
  loaded: Loaded,
  command: TargetCommand,
  flags: { tag?: string | undefined; digest?: string | undefined; infra?: InfraOutputs | undefined } = {},
): Promise<{ session: TargetSession; warnings: () => CommandWarning[] }> {
  const skipped = skippedRecords(ctx);
  const driverCtx: DriverContext = {
    cwd: ctx.cwd,
    env: ctx.env,
    redactor: secretsOf(ctx),
    loadSpec: (file) => loadSpecForCli(ctx, file),
    onInvalidRecord: skipped.add,
  };
  const { validated, env, file } = loaded;
  const session = await loaded.driver.open(
    { validated, env, file, command, tag: flags.tag, digest: flags.digest, infra: flags.infra, acceptHostKey: loaded.acceptHostKey },
    driverCtx,
  );
  return { session, warnings: skipped.warnings };
}

/** A command the environment's target has no part for. */
export function unsupported(loaded: Loaded, message: string, hint: string): SlipwayError {
  return new SlipwayError("DEPLOY_TARGET_UNSUPPORTED", `environment '${loaded.env.name}' targets ${loaded.driver.type}: ${message}`, {
    location: locationOf(loaded.validated.source, ["environments", loaded.env.name, "target"]),
    hint,
  });
}

/**
 * Release records the history store skipped (a `null`, a torn or edited file), once each: printed on
 * stderr when found, and listed as `warnings` in the final --json line (`warningsField`).
 */
export function skippedRecords(ctx: CliContext): {
  add: (invalid: { file: string; problem: string }) => void;
  warnings: () => CommandWarning[];
} {
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
export function warningsField(warnings: () => CommandWarning[]): { warnings?: CommandWarning[] } {
  const list = warnings();
  return list.length > 0 ? { warnings: list } : {};
}

/** A line of a session's human view, coloured as the terminal allows. */
export function styled(ctx: CliContext, line: StyledLine): string {
  return line.map((part) => (typeof part === "string" ? part : ctx.colors[part.tone](part.text))).join("");
}

/** Runs `work` on the environment's session and closes it. */
export async function withSession<T>(
  ctx: CliContext,
  loaded: Loaded,
  command: TargetCommand,
  work: (session: TargetSession, warnings: () => CommandWarning[]) => Promise<T>,
  flags: { tag?: string | undefined; digest?: string | undefined; infra?: InfraOutputs | undefined } = {},
): Promise<T> {
  const { session, warnings } = await openSession(ctx, loaded, command, flags);
  try {
    return await work(session, warnings);
  } finally {
    session.close();
  }
}
