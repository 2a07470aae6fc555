import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { writeArtifacts } from "../../effects/files.js";
import { initialisedRoot } from "../../effects/infra-root.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { capabilityLabels, capabilityNeeds, type Renderer, type RenderWritten } from "../../render/renderer.js";
import { locationOf } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { type DriverRegistry, targetDrivers } from "../../targets/index.js";
import type { CliContext } from "../context.js";
import { infraRootOf } from "../infra-root.js";
import { loadSpecForCli } from "../load-spec.js";
import { environmentTakes, targetsRendering } from "./render-capability.js";

export interface RenderCommandOptions {
  file: string;
  env?: string;
  tag?: string;
  digest?: string;
  out?: string;
  json?: boolean;
  /** Kubernetes renders: the Terraform outputs file, and the root to read them from otherwise. */
  infra?: string;
  infraDir?: string;
  /** The renderer's own options (`renderer.options`), by name. */
  [option: string]: unknown;
}

/**
 * `slipway render <name>` for any renderer: picks the environments, renders, and writes the files
 * (or prints them as a YAML stream when the renderer may and no folder is given). Returns the exit
 * code. Errors propagate to main, which reports them as a command's own report would: importing the
 * reporter from main.ts here would put this module in the cli import cycle.
 */
export async function renderCommand(ctx: CliContext, renderer: Renderer, opts: RenderCommandOptions): Promise<number> {
  const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
  const environments = await environmentsFor(validated, renderer, opts.env, ctx.drivers);
  // A placeholder tag, as the Kubernetes target gives commands that deploy no image: such a renderer reads no tag.
  const image = renderer.usesImage === false ? { tag: "unused" } : { tag: opts.tag, digest: opts.digest };
  const models = await Promise.all(
    environments.map(async (env) => {
      const model = buildModel(validated, env, image);
      if (renderer.scope !== "environment" || renderer.needs !== "kubernetes") return model;
      // No outputs file and no initialised root: nothing to read, so the reader is not loaded and a
      // plain render starts as fast as before (infraOutputsFor applies the whole rule).
      if (opts.infra === undefined && (env.infra === undefined || !initialisedRoot(infraRootOf(ctx, env.name, opts.infraDir).path))) {
        return model;
      }
      const [{ infraOutputsFor }, { withInfraOutputs }] = await Promise.all([
        import("../infra-outputs.js"),
        import("../../spec/with-infra-outputs.js"),
      ]);
      const infra = await infraOutputsFor(ctx, validated, env.name, { infra: opts.infra, infraDir: opts.infraDir });
      return infra === undefined ? model : withInfraOutputs(model, infra.outputs);
    }),
  );
  const choices = Object.fromEntries(
    (renderer.options ?? []).flatMap((o) => (typeof opts[o.name] === "string" ? [[o.name, opts[o.name] as string]] : [])),
  );
  const options = { json: opts.json === true, choices };
  const files = await renderer.render(models, options);
  const target = renderer.command?.out;
  const out = opts.out ?? (target && "default" in target ? target.default : undefined);
  if (out === undefined) {
    const where =
      renderer.scope === "environment" ? { environment: models[0]?.environment } : { environments: models.map((m) => m.environment) };
    if (opts.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { ...where, objects: files.map((f) => f.data) } })}\n`);
    else ctx.stdout.write(files.map((f) => `---\n${f.content}`).join(""));
    return 0;
  }
  const outPath = resolve(ctx.cwd, out);
  const written = await writeArtifacts(outPath, files);
  const summary = (renderer.command?.written ?? defaultWritten(renderer))({ models, out, outPath, files: written, options });
  const specDir = dirname(resolve(ctx.cwd, validated.file));
  const warnings = (renderer.command?.assumes?.(models, options) ?? [])
    .filter((a) => a.always === true || !existsSync(resolve(specDir, a.path)))
    .map((a) => ({ file: relative(ctx.cwd, resolve(specDir, a.path)) || a.path, message: a.message, hint: a.hint }));
  if (opts.json)
    ctx.stdout.write(`${JSON.stringify({ ok: true, result: { ...summary.result, ...(warnings.length > 0 ? { warnings } : {}) } })}\n`);
  else {
    for (const w of warnings) ctx.stderr.write(`${ctx.colors.yellow("warning:")} ${w.file}: ${w.message}\n  hint: ${w.hint}\n`);
    ctx.stderr.write(`${ctx.colors.green("✓")} ${summary.line}\n`);
  }
  return 0;
}

/**
 * The environments `renderer` renders: the one chosen with -e (or the only one), or for a
 * spec-wide renderer every environment whose target takes its form. A target that does not is
 * RENDER_TARGET_MISMATCH, raised here for every renderer.
 */
export async function environmentsFor(
  validated: ValidatedSpec,
  renderer: Renderer,
  name: string | undefined,
  registry: DriverRegistry = targetDrivers,
): Promise<ResolvedEnvironment[]> {
  const matching = await renderableEnvironments(validated, renderer, registry);
  const label = capabilityLabels[renderer.needs];
  const targets =
    (await targetsRendering(renderer.needs, registry)).map((t) => `\`target: ${t}\``).join(" or ") +
    (capabilityNeeds[renderer.needs].infra ? " and an `infra:` block (at least `region:`)" : "");
  if (renderer.scope === "spec") {
    if (matching.length > 0) return matching;
    throw new SlipwayError("RENDER_TARGET_MISMATCH", `no environment targets ${label}, so there is nothing to put in ${renderer.output}`, {
      hint: `Give at least one environment ${targets}.`,
    });
  }
  const env = chooseEnvironment(validated, name);
  if (await environmentTakes(env, renderer.needs, registry)) return [env];
  const message =
    env.target.type === capabilityNeeds[renderer.needs].form
      ? `environment '${env.name}' has no infra block, so there is nothing to put in ${renderer.output}`
      : `environment '${env.name}' targets ${env.target.type}, not ${label}`;
  throw new SlipwayError("RENDER_TARGET_MISMATCH", message, {
    location: locationOf(validated.source, ["environments", env.name, "target"]),
    hint:
      matching.length > 0
        ? `Render a ${label} environment: -e ${matching.map((e) => e.name).join(" or -e ")}.`
        : `Give an environment ${targets}.`,
  });
}

/** Every environment whose target takes what `renderer` makes, in spec order. */
export async function renderableEnvironments(
  validated: ValidatedSpec,
  renderer: Renderer,
  registry: DriverRegistry = targetDrivers,
): Promise<ResolvedEnvironment[]> {
  const environments = Object.values(validated.environments);
  const takes = await Promise.all(environments.map((e) => environmentTakes(e, renderer.needs, registry)));
  return environments.filter((_, i) => takes[i]);
}

function defaultWritten(renderer: Renderer) {
  return ({ models, out, files }: RenderWritten) => {
    const environments = models.map((m) => m.environment);
    return {
      line: `${files.length} file${files.length === 1 ? "" : "s"} for ${environments.join(", ")} written to ${out}`,
      result: renderer.scope === "environment" ? { environment: environments[0], files } : { environments, files },
    };
  };
}
