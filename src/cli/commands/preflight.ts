import { dirname, relative, resolve } from "node:path";
import { type CheckBatch, maxInputBytes, parseInputs } from "../../check/parse-inputs.js";
import { intentWaivers, renderedBatch, specWaivers } from "../../check/rendered.js";
import { atLeast, type CheckOptions, runCheck } from "../../check/run-check.js";
import type { Finding } from "../../check/types.js";
import type { ScopedWaiver } from "../../check/waivers.js";
import { readUserFile } from "../../effects/read-user-file.js";
import { quoteWord } from "../../init/shell-words.js";
import { infraSettings } from "../../model/infra.js";
import { renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import { buildModel } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { type DriverRegistry, driverOf } from "../../targets/index.js";

/*
 * What an environment deploys, as `slipway check` inputs. One function for `slipway check` (no
 * paths) and for the deploy preflight, so that a blocked deploy is reproduced by the one command the
 * preflight prints:
 *   - a Kubernetes environment deploys the objects `render kubernetes -e ENV` makes, and the image;
 *     the image's Dockerfile is checked only when `app.build` says the image is built from it
 *     (`slipway build` checks it too, see dockerfilePreflight): without `app.build` slipway deploys
 *     an image built elsewhere, and a Dockerfile that happens to lie beside the spec may have
 *     nothing to do with it.
 *   - a local environment deploys a copy of the app's folder and runs its command: no image and no
 *     Kubernetes object, so no rule of `check` applies to it.
 *   - a host environment runs the image as containers on a server: no Kubernetes object, and the
 *     runtime runs the image as its Dockerfile made it (its USER included), so the Dockerfile that
 *     `app.build` names is checked, as for Kubernetes; without `app.build`, nothing.
 */

export interface DeployedInputs {
  batch: CheckBatch;
  /** Findings the spec accepts by declaring a choice (ingress.tls: false …), see intentWaivers. */
  extraWaivers: ScopedWaiver[];
  /** Environments that deploy nothing `check` has rules for (the local ones), with what they deploy instead. */
  unchecked: { environment: string; deploys: string }[];
}

export interface DeployedOptions {
  cwd: string;
  /** slipway.yaml, absolute. */
  specFile: string;
  /** How findings name slipway.yaml (relative to cwd). */
  specShown: string;
  tag?: string | undefined;
  digest?: string | undefined;
  /** The target drivers (default: the ones slipway ships). */
  drivers?: DriverRegistry | undefined;
}

/** Reads and renders what `envs` deploy: each Kubernetes render, and each Dockerfile that `app.build` names (once). */
export async function deployedInputs(
  validated: ValidatedSpec,
  envs: readonly ResolvedEnvironment[],
  opts: DeployedOptions,
): Promise<DeployedInputs> {
  const extraWaivers: ScopedWaiver[] = [];
  const rendered = [];
  const dockerfiles = new Set<string>();
  const unchecked: DeployedInputs["unchecked"] = [];
  for (const env of envs) {
    // What the target deploys decides what is checked: a target that renders Kubernetes objects has them checked.
    const { capabilities } = await driverOf(env, opts.drivers);
    if (capabilities.renders !== "kubernetes") {
      // A target that runs the image itself (host) runs what app.build's Dockerfile makes, as it is.
      const build = capabilities.runsImage ? buildModel(validated, env, { tag: opts.tag, digest: opts.digest }).build : undefined;
      if (build) dockerfiles.add(resolve(dirname(opts.specFile), build.context, build.dockerfile));
      else unchecked.push({ environment: env.name, deploys: capabilities.deploys ?? "nothing slipway renders" });
      continue;
    }
    const model = buildModel(validated, env, { tag: opts.tag, digest: opts.digest });
    extraWaivers.push(...intentWaivers(model, opts.specShown));
    rendered.push({ model, objects: renderKubernetes(model) });
    if (model.build) dockerfiles.add(resolve(dirname(opts.specFile), model.build.context, model.build.dockerfile));
  }
  const batch = renderedBatch(rendered);
  await addDockerfiles(batch, [...dockerfiles].sort(), opts.cwd);
  return { batch, extraWaivers, unchecked };
}

/** Reads each Dockerfile into the batch (one that is missing or a folder is left out: built elsewhere). */
export async function addDockerfiles(batch: CheckBatch, paths: readonly string[], cwd: string): Promise<void> {
  for (const path of paths) {
    const shown = relative(cwd, path) || path;
    let read: Awaited<ReturnType<typeof readUserFile>>;
    try {
      read = await readUserFile(path, { maxBytes: maxInputBytes, shown });
    } catch {
      // app.build names a Dockerfile this checkout does not have (built elsewhere): nothing to check.
      continue;
    }
    if (read.kind === "folder") continue;
    const origin = { file: shown, label: shown };
    const parsed = parseInputs([
      read.kind === "file"
        ? { origin, bytes: read.bytes, size: read.bytes.byteLength, explicit: true, kind: "dockerfile" }
        : { origin, bytes: undefined, size: read.size, explicit: true, kind: "dockerfile" },
    ]);
    batch.dockerfiles.push(...parsed.dockerfiles);
    batch.inputs.push(...parsed.inputs);
    batch.issues.push(...parsed.issues);
  }
}

/**
 * The build preflight: `slipway check DOCKERFILE --rule SLW-DF --min-severity high` with the spec's
 * waivers, the same rules and waivers the deploy preflight applies to the Dockerfile.
 */
export async function dockerfilePreflight(
  validated: ValidatedSpec,
  dockerfile: string,
  opts: { cwd: string; specShown: string; today: string; drivers?: DriverRegistry | undefined },
): Promise<{ findings: Finding[]; command: string }> {
  const batch = renderedBatch([]);
  await addDockerfiles(batch, [dockerfile], opts.cwd);
  const report = runCheck(batch, {
    today: opts.today,
    rules: ["SLW-DF"],
    ...(await specCheckOptions(validated, opts.specShown, opts.drivers)),
  });
  const shown = relative(opts.cwd, dockerfile) || dockerfile;
  return {
    findings: report.findings.filter((f) => f.waived === undefined && atLeast(f.severity, "high")),
    command: ["slipway", "check", "-f", opts.specShown, shown, "--rule", "SLW-DF", "--min-severity", "high"].map(quoteWord).join(" "),
  };
}

/**
 * The hint of a blocked build. The Dockerfile's findings are `slipway check`'s, so its command shows
 * them; the build context's own (SLW-BUILD-*, the .dockerignore) are not in check's catalogue, so the
 * hint names the file to edit instead of a command that would answer "no findings".
 */
export function buildPreflightHint(blocked: { dockerfileCommand?: string | undefined; dockerignore?: string | undefined }): string {
  const parts = [
    ...(blocked.dockerfileCommand !== undefined ? [`\`${blocked.dockerfileCommand}\` shows the Dockerfile's`] : []),
    ...(blocked.dockerignore !== undefined
      ? [`the build context's (SLW-BUILD-…, checked by slipway build only): add what each one names to ${blocked.dockerignore}`]
      : []),
  ];
  return `${parts.join("; ")}. Fix them, waive one in checks.waivers with a reason, or build anyway with --force.`;
}

/** The check options that come from the spec: its waivers, the S3 buckets it grants, where its image runs. */
export async function specCheckOptions(
  validated: ValidatedSpec,
  specShown: string,
  drivers?: DriverRegistry,
): Promise<Pick<CheckOptions, "specWaivers" | "kubernetesOnly" | "intent">> {
  return {
    specWaivers: specWaivers(validated, specShown),
    kubernetesOnly: await imageOnlyOnKubernetes(validated, drivers),
    intent: { s3Buckets: s3Buckets(validated), stateBuckets: stateBuckets(validated) },
  };
}

/**
 * Whether every environment that runs the app's image is a Kubernetes one. The local target runs the
 * app's folder, never the image, so local environments do not count; a spec without an environment
 * that runs the image runs it nowhere slipway knows of (undefined: no assumption).
 */
async function imageOnlyOnKubernetes(validated: ValidatedSpec, drivers: DriverRegistry | undefined): Promise<boolean | undefined> {
  const targets = await Promise.all(Object.values(validated.environments).map(async (e) => (await driverOf(e, drivers)).capabilities));
  const runsImage = targets.filter((capabilities) => capabilities.runsImage);
  return runsImage.length > 0 ? runsImage.every((capabilities) => capabilities.renders === "kubernetes") : undefined;
}

/** The Terraform state buckets of the environments with an infra block. */
function stateBuckets(validated: ValidatedSpec): string[] {
  return [...new Set(Object.keys(validated.environments).flatMap((env) => infraSettings(validated, env)?.stateBucket ?? []))];
}

function s3Buckets(validated: ValidatedSpec): string[] {
  const names = new Set<string>();
  for (const env of Object.values(validated.environments)) {
    const s3 = (env.app as { aws?: { s3?: Record<string, unknown> } }).aws?.s3 ?? {};
    for (const [bucket, access] of Object.entries(s3)) if (access !== null) names.add(bucket);
  }
  return [...names];
}

export interface Preflight {
  /** Unwaived findings at high or above: they stop the deploy unless --force. */
  findings: Finding[];
  /** The `slipway check` command that shows exactly these findings. */
  command: string;
  /** Whether the environment deploys anything `check` has rules for. */
  checked: boolean;
  /** When not checked: what the environment deploys instead, in words. */
  deploys?: string | undefined;
}

/** The deploy preflight: `slipway check -f FILE -e ENV --min-severity high` of what the environment deploys. */
export async function preflightFindings(
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: DeployedOptions & { file: string; today: string },
): Promise<Preflight> {
  const deployed = await deployedInputs(validated, [env], opts);
  const report = runCheck(deployed.batch, {
    today: opts.today,
    extraWaivers: deployed.extraWaivers,
    ...(await specCheckOptions(validated, opts.specShown, opts.drivers)),
  });
  const words = ["slipway", "check", "-f", opts.file, "-e", env.name];
  if (opts.tag !== undefined) words.push("--tag", opts.tag);
  if (opts.digest !== undefined) words.push("--digest", opts.digest);
  words.push("--min-severity", "high");
  return {
    findings: report.findings.filter((f) => f.waived === undefined && atLeast(f.severity, "high")),
    command: words.map(quoteWord).join(" "),
    checked: deployed.unchecked.length === 0,
    deploys: deployed.unchecked[0]?.deploys,
  };
}
