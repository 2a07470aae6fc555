import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { parseInputs } from "../../src/check/parse-inputs.js";
import { intentWaivers } from "../../src/check/rendered.js";
import { atLeast, runCheck } from "../../src/check/run-check.js";
import type { CheckedInput, Finding } from "../../src/check/types.js";
import { type Gathered, gatherCheckInputs } from "../../src/cli/check-inputs.js";
import { specCheckOptions } from "../../src/cli/commands/preflight.js";
import { renderableEnvironments } from "../../src/cli/commands/render-run.js";
import { writeArtifacts } from "../../src/effects/files.js";
import { type RenderedFile, type Renderer, type RenderOptions, renderVariants } from "../../src/render/renderer.js";
import { buildModel } from "../../src/spec/normalize.js";
import type { ValidatedSpec } from "../../src/spec/validate.js";

/*
 * The dogfood invariant for any renderer: what it renders from a spec, written to a folder, passes
 * `slipway check <folder>` with nothing at or above the threshold, and check really read every file
 * as the renderer declared (a file check skips would pass vacuously).
 */

/** The project's threshold: `slipway check`'s default --min-severity, the one the docs promise renders pass. */
export const dogfoodThreshold = "medium";

export interface DogfoodRun {
  /** The environments of this render (one per run for "environment" renderers, all for "spec"). */
  environments: string[];
  /** The renderer's option values of this render (`renderVariants`: every choice is rendered). */
  variant: RenderOptions;
  files: RenderedFile[];
  /** Unwaived findings at or above the threshold, as `RULE object: message`. */
  blocking: string[];
  /** Files check did not read as their declared kind, with what it saw instead. */
  unchecked: string[];
}

export interface DogfoodOptions {
  /** The spec file as findings name it. */
  specShown: string;
  /**
   * Hand the files to check's parser directly instead of writing them to a folder and reading them
   * back (a chart still goes through a folder and helm). The folder is what `slipway check <dir>`
   * reads; in memory is for the many renders of a property test, where the disk is most of the time.
   */
  inMemory?: boolean;
  /** Folder of the `helm` binary, for renderers whose files form a Helm chart. */
  helmDir?: string | undefined;
  /** Render choices, as `slipway render` passes them (`--json`: terraform's .tf.json). */
  renderOptions?: RenderOptions;
}

/** Renders every environment `renderer` takes in the spec and checks each render (none: the spec has no such environment). */
export async function dogfood(renderer: Renderer, validated: ValidatedSpec, options: DogfoodOptions): Promise<DogfoodRun[]> {
  const matching = await renderableEnvironments(validated, renderer);
  const batches = renderer.scope === "spec" ? [matching] : matching.map((env) => [env]);
  const runs: DogfoodRun[] = [];
  for (const [envs, variant] of batches.flatMap((envs) => renderVariants(renderer).map((v) => [envs, v] as const))) {
    const models = envs.map((env) => buildModel(validated, env));
    const files = await renderer.render(models, { ...options.renderOptions, ...variant });
    const gathered =
      options.inMemory && !files.some((f) => f.check === "helm-chart") ? inMemory(files) : await throughFolder(files, options);
    const batch = parseInputs(gathered.texts);
    batch.issues.unshift(...gathered.issues);
    const report = runCheck(batch, {
      today: "2026-01-01",
      // The spec's declared choices (ingress.tls: false), for the objects in the model's namespace
      // and in "default", where `helm template` (as check runs it on a chart) puts them.
      extraWaivers: models.flatMap((m) =>
        [m.namespace, "default"].flatMap((namespace) => intentWaivers({ ...m, namespace }, options.specShown)),
      ),
      ...specCheckOptions(validated, options.specShown),
    });
    runs.push({
      environments: models.map((m) => m.environment),
      variant,
      files,
      blocking: report.findings.filter((f) => !f.waived && atLeast(f.severity, dogfoodThreshold)).map(show),
      unchecked: unchecked(
        files,
        report.inputs,
        models.map((m) => m.environment),
      ),
    });
  }
  return runs;
}

/** What `slipway check <dir>` reads from a folder holding the files (a chart rendered by helm template). */
async function throughFolder(files: readonly RenderedFile[], options: DogfoodOptions): Promise<Gathered> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-dogfood-"));
  try {
    await writeArtifacts(dir, files);
    return await gatherCheckInputs([dir], { cwd: dir, env: { PATH: options.helmDir ?? "/nonexistent" }, stdin: Readable.from([]) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same files as found in a folder (kind detected by check, one group), without the disk. */
function inMemory(files: readonly RenderedFile[]): Gathered {
  return {
    texts: files.map((f) => ({
      origin: { file: f.path, label: f.path },
      bytes: f.content,
      size: Buffer.byteLength(f.content),
      explicit: false,
    })),
    issues: [],
  };
}

function show(f: Finding): string {
  return `${f.ruleId} ${f.label}${f.object ? ` ${f.object}` : ""}: ${f.message}`;
}

/** Files not read as declared: each plain file by its own kind; a chart once per environment's values file. */
function unchecked(files: readonly RenderedFile[], inputs: readonly CheckedInput[], environments: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    // A chart is read through helm below; values of a chart slipway does not render (a log agent's)
    // cannot be read without it, and the renderer's own tests validate them.
    if (file.check === "helm-chart" || file.check === "helm-values") continue;
    const input = inputs.find((i) => i.file === file.path);
    if (input?.kind !== file.check) out.push(`${file.path}: declared ${file.check}, check read ${input ? input.kind : "nothing"}`);
  }
  const chart = files.filter((f) => f.check === "helm-chart");
  if (chart.length > 0) {
    const roots = new Set(chart.filter((f) => f.path.endsWith("Chart.yaml")).map((f) => dirname(f.path)));
    if (roots.size !== 1) out.push(`helm-chart files without exactly one Chart.yaml: ${[...roots].join(", ") || "none"}`);
    for (const env of environments) {
      const rendered = inputs.find((i) => i.label.endsWith(` -f values-${env}.yaml`));
      if (rendered?.kind !== "kubernetes" || rendered.objects === 0)
        out.push(`chart values-${env}.yaml: not rendered by helm template (is helm on PATH?)`);
    }
  }
  return out;
}
