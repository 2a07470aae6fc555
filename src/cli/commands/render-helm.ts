import { resolve } from "node:path";
import { writeArtifacts } from "../../effects/files.js";
import { renderHelm } from "../../render/helm/render-helm.js";
import { buildModel } from "../../spec/normalize.js";
import type { CliContext } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";

export interface RenderHelmOptions {
  file: string;
  out: string;
  tag?: string;
  digest?: string;
  json?: boolean;
}

export async function renderHelmCommand(ctx: CliContext, opts: RenderHelmOptions): Promise<number> {
  try {
    const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
    const models = Object.values(validated.environments)
      .filter((env) => env.target.type === "kubernetes")
      .map((env) => buildModel(validated, env, { tag: opts.tag, digest: opts.digest }));
    const files = renderHelm(models);
    const written = await writeArtifacts(resolve(ctx.cwd, opts.out), files);
    if (opts.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, result: { chart: resolve(ctx.cwd, opts.out), files: written } })}\n`);
    } else {
      const envs = models.map((m) => m.environment).join(", ");
      ctx.stderr.write(`${ctx.colors.green("✓")} chart written to ${opts.out} (${written.length} files; values for ${envs})\n`);
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
