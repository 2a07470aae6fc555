import { resolve } from "node:path";
import { writeArtifacts } from "../../effects/files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import { toYaml, toYamlStream } from "../../render/yaml-stream.js";
import { locationOf } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import type { CliContext } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";

export interface RenderKubernetesOptions {
  file: string;
  env?: string;
  tag?: string;
  digest?: string;
  out?: string;
  json?: boolean;
}

export async function renderKubernetesCommand(ctx: CliContext, opts: RenderKubernetesOptions): Promise<number> {
  try {
    const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
    const env = chooseEnvironment(validated, opts.env);
    if (env.target.type !== "kubernetes") {
      const kube = Object.values(validated.environments)
        .filter((e) => e.target.type === "kubernetes")
        .map((e) => e.name);
      throw new SlipwayError("RENDER_TARGET_MISMATCH", `environment '${env.name}' targets ${env.target.type}, not Kubernetes`, {
        location: locationOf(validated.source, ["environments", env.name, "target"]),
        hint:
          kube.length > 0 ? `Render a Kubernetes environment: -e ${kube.join(" or -e ")}.` : "Give an environment `target: kubernetes`.",
      });
    }
    const model = buildModel(validated, env, { tag: opts.tag, digest: opts.digest });
    const objects = renderKubernetes(model);
    if (opts.out) {
      const files = objects.map((o, i) => ({
        path: `${String(i + 1).padStart(2, "0")}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`,
        content: toYaml(o),
      }));
      const written = await writeArtifacts(resolve(ctx.cwd, opts.out), files);
      if (opts.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment: env.name, files: written } })}\n`);
      else ctx.stderr.write(`${ctx.colors.green("✓")} ${written.length} objects for ${env.name} written to ${opts.out}\n`);
      return 0;
    }
    if (opts.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment: env.name, objects } })}\n`);
    else ctx.stdout.write(toYamlStream(objects));
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
