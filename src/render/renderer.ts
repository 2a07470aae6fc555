import type { AppModel } from "../model/app-model.js";

/*
 * The one contract every renderer meets: models in, files out. A renderer lives in
 * src/render/<name>/ and joins `slipway render <name>`, the docs and the dogfood test by one line in
 * src/render/registry.ts. Its render function loads lazily, so listing renderers (help, docs)
 * costs no render code.
 */

/**
 * The form of deployment files an environment's target takes in. A renderer names the one it
 * makes; it renders only environments whose target takes that form.
 */
export type RenderCapability = "kubernetes" | "aws";

/** How messages name a capability ("targets Kubernetes"). */
export const capabilityLabels: Readonly<Record<RenderCapability, string>> = {
  kubernetes: "Kubernetes",
  aws: "Kubernetes on AWS (an `infra` block)",
};

/**
 * What an environment needs besides its target's form: "aws" is a Kubernetes environment with an
 * `infra` block (its cluster, database and registry are what `render terraform` makes).
 */
export const capabilityNeeds: Readonly<Record<RenderCapability, { form: "kubernetes"; infra: boolean }>> = {
  kubernetes: { form: "kubernetes", infra: false },
  aws: { form: "kubernetes", infra: true },
};

/**
 * How `slipway check` reads a rendered file: as one of its input kinds, or "helm-chart" for a file
 * of a Helm chart, which check renders with `helm template` once per values file and then reads as
 * Kubernetes objects; or "helm-values" for values of a chart slipway does not render (a log agent's),
 * which check cannot read without the chart: the renderer's own tests validate those.
 */
export type CheckKind = "kubernetes" | "terraform" | "dockerfile" | "github-actions" | "gitlab-ci" | "helm-chart" | "helm-values";

/** A file slipway writes: a path relative to the output folder and its content. */
export interface Artifact {
  path: string;
  content: string;
}

/** A rendered file, with how `slipway check` reads it. */
export interface RenderedFile extends Artifact {
  check: CheckKind;
  /** The data `content` serialises (a Kubernetes object), for `--json` output without a folder. */
  data?: unknown;
}

/** What `slipway render <name>` wrote, for its summary line and `--json` result. */
export interface RenderWritten {
  /** The environments rendered, in spec order. */
  models: readonly AppModel[];
  /** The output folder as given on the command line, and resolved. */
  out: string;
  outPath: string;
  /** Absolute paths of the files written, in render order. */
  files: readonly string[];
  /** The values of the renderer's options. */
  options: RenderOptions;
}

/** How the CLI presents a renderer; every field has a default. */
export interface RendererCommand {
  /**
   * Where the files go without `--out`: `{ default }` a folder; `{ stdout: "yaml-stream" }` standard
   * output as one YAML stream (each file one document; `--json` gives each file's `data` as
   * `objects`). Without it `--out` is required.
   */
  out?: ({ default: string } | { stdout: "yaml-stream" }) & { description?: string };
  /** Help for --tag and --digest. */
  tag?: string;
  /** Help for --json, when it changes what the renderer writes (terraform: .tf.json). */
  json?: string;
  digest?: string;
  /** Example command lines for the help page; the first also shows in `slipway render --help`. */
  examples?: readonly string[];
  /**
   * Files the rendered output relies on, relative to the spec's folder (the CI pipeline builds from
   * the app's Dockerfile): `slipway render` warns about each one missing, and lists it under
   * `warnings` in the `--json` result (`always`: warned whether or not the path exists). Rendering goes
   * on: the file may be added before the output runs.
   */
  assumes?(models: readonly AppModel[], options: RenderOptions): { path: string; message: string; hint: string; always?: boolean }[];
  /** The success line (stderr, without the tick) and the `--json` result once the files are written. */
  written?(written: RenderWritten): { line: string; result: Record<string, unknown> };
}

/**
 * A choice a renderer takes besides the shared flags, offered as `--<name> <value>` (e.g. the CI
 * provider). The CLI, the docs and the tests learn of it from here: the dogfood and determinism
 * tests render every choice.
 */
export interface RendererOption {
  /** The long flag without dashes: "provider" is `--provider <value>`. */
  readonly name: string;
  readonly description: string;
  readonly choices: readonly string[];
  /** Must be given on the command line; otherwise the first choice is the default. */
  readonly required?: boolean;
}

/** Choices of `slipway render <name>` a renderer may honour. */
export interface RenderOptions {
  /** `--json`: the renderer's JSON form where it has one (terraform writes .tf.json instead of .tf). */
  json?: boolean;
  /** The values of the renderer's own `options`, by option name. */
  choices?: Readonly<Record<string, string>>;
}

/** Every combination of a renderer's option choices (one empty set for a renderer without options). */
export function renderVariants(renderer: Pick<Renderer, "options">): RenderOptions[] {
  let variants: Record<string, string>[] = [{}];
  for (const option of renderer.options ?? []) {
    variants = variants.flatMap((v) => option.choices.map((choice) => ({ ...v, [option.name]: choice })));
  }
  return variants.map((choices) => ({ choices }));
}

/** A renderer: what `slipway render <name>` runs and what the dogfood invariant checks. */
export interface Renderer {
  /** The subcommand: `slipway render <name>`. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One line for the help page. */
  readonly description: string;
  /** What it makes, for messages ("a Helm chart"). */
  readonly output: string;
  /** The environments it renders are those whose target takes this form. */
  readonly needs: RenderCapability;
  /**
   * "environment": one environment per run (`-e`, optional when only one can be rendered);
   * "spec": every environment that takes `needs`, into one output (a chart with values per environment).
   */
  readonly scope: "environment" | "spec";
  /**
   * false: the renderer never reads the app's image (terraform), so an app.image without a tag or
   * digest renders without --tag. Default true.
   */
  readonly usesImage?: boolean;
  /**
   * Renders the models (one for "environment" scope; every matching environment, in spec order,
   * for "spec"). Deterministic: the same models give the same files, byte for byte, in the same
   * order. Pure apart from loading its own code. `options.choices` holds a value for each of `options`.
   */
  render(models: readonly AppModel[], options?: RenderOptions): Promise<RenderedFile[]>;
  /** Choices beyond the shared flags, each a `--<name>` flag of `slipway render <name>`. */
  readonly options?: readonly RendererOption[];
  readonly command?: RendererCommand;
}
