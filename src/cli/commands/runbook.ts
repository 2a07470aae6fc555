import { basename, dirname, relative, resolve } from "node:path";
import { writeArtifacts } from "../../effects/files.js";
import { type RunbookFacts, renderRunbook } from "../../plan/runbook.js";
import { buildModel } from "../../spec/normalize.js";
import type { CliContext } from "../context.js";
import { report } from "../report.js";
import { type EnvOptions, loadEnvironment } from "./environment.js";
import { awsDrillHistory, targetFacts } from "./golive.js";

export interface RunbookOptions extends EnvOptions {
  out?: string;
}

/** `slipway runbook -e ENV [--out FILE]`: the environment's runbook as Markdown, on stdout or into FILE. */
export async function runbookCommand(ctx: CliContext, opts: RunbookOptions): Promise<number> {
  try {
    const loaded = await loadEnvironment(ctx, opts);
    const model = buildModel(loaded.validated, loaded.env, {});
    const { dbHistory, releases } = await targetFacts(ctx, loaded);
    const drill = dbHistory
      ?.filter((e) => e.action === "drill" && e.ok === true && Number.isFinite(Date.parse(e.at)))
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
    const serving = releases?.find((r) => r.outcome === "succeeded");
    const awsDrills = await awsDrillHistory(loaded);
    const awsDrill = awsDrills
      ?.filter((e) => e.ok === true && Number.isFinite(Date.parse(e.at)))
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
    const facts: RunbookFacts = {
      specFile: relative(ctx.cwd, loaded.file) || opts.file,
      historyRead: releases !== undefined,
      lastDrill: drill && {
        at: drill.at,
        rtoSeconds: num(drill.rtoSeconds),
        backupAgeSeconds: num(drill.backupAgeSeconds),
        file: typeof drill.file === "string" ? drill.file : undefined,
      },
      ...(awsDrills
        ? {
            aurora: {
              lastDrill: awsDrill && { at: awsDrill.at, rtoSeconds: num(awsDrill.rtoSeconds), rpoSeconds: num(awsDrill.rpoSeconds) },
            },
          }
        : {}),
      lastRelease: serving && {
        revision: serving.revision,
        finishedAt: serving.finishedAt,
        artifact: serving.artifact.kind === "image" ? serving.artifact.ref : `local snapshot ${serving.artifact.digest.slice(0, 19)}`,
      },
    };
    const unredacted = renderRunbook(model, facts);
    const markdown = ctx.secrets ? ctx.secrets.text(unredacted) : unredacted;
    if (opts.out === undefined) {
      if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment: loaded.env.name, markdown } })}\n`);
      else ctx.stdout.write(markdown);
      return 0;
    }
    const target = resolve(ctx.cwd, opts.out);
    await writeArtifacts(dirname(target), [{ path: basename(target), content: markdown }]);
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment: loaded.env.name, file: target } })}\n`);
    else ctx.stderr.write(`wrote ${relative(ctx.cwd, target) || target}\n`);
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
