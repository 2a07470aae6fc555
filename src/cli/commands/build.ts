import { dirname, relative, resolve } from "node:path";
import { findingLocation } from "../../check/reporters/json.js";
import { type ContextFinding, dockerignoreFindings } from "../../effects/dockerignore-check.js";
import { ecrRegistryOf, userHasHelper } from "../../effects/ecr-auth.js";
import { buildEnv, buildImage, detectRuntime, sourceFacts } from "../../effects/image-build.js";
import { type ContainerRuntime, contentTag, imageLabels, sourceUrl } from "../../effects/image-commands.js";
import { localHost } from "../../effects/local-host.js";
import { readTextIfExists } from "../../effects/state-files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import type { InfraOutputs } from "../../model/infra-outputs.js";
import { locationOf } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { withInfraOutputs } from "../../spec/with-infra-outputs.js";
import { type CliContext, secretsOf } from "../context.js";
import { whileInterruptible } from "../interrupts.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";
import { buildPreflightHint, dockerfilePreflight } from "./preflight.js";

/*
 * `slipway build` and the build step of `deploy --build`: the preflight (check's Dockerfile rules
 * and the .dockerignore check), the runtime, a content-derived tag, OCI labels, the build, the push
 * and the digest read back from the runtime. The commands are data (effects/image-commands.ts),
 * run through the Host seam (effects/image-build.ts).
 */

export interface BuildOptions {
  file: string;
  env?: string;
  push?: boolean;
  platform?: string[];
  force?: boolean;
  json?: boolean;
}

export interface BuildResult {
  environment: string;
  runtime: { kind: ContainerRuntime["kind"]; version: string; reason: string };
  repository: string;
  tag: string;
  /** repository:tag */
  ref: string;
  platforms: string[];
  imageId: string | undefined;
  /** The registry digest of the pushed image (undefined without --push). */
  digest: string | undefined;
  /** repository@digest: what a deploy runs. */
  pinned: string | undefined;
  labels: Record<string, string>;
  warnings: ContextFinding[];
}

export async function buildCommand(ctx: CliContext, opts: BuildOptions): Promise<number> {
  try {
    const file = resolve(ctx.cwd, opts.file);
    const validated = await loadSpecForCli(ctx, file);
    const env = environmentToBuild(validated, opts.env);
    const result = await buildForSpec(ctx, validated, env, {
      push: opts.push === true,
      platform: opts.platform,
      force: opts.force === true,
    });
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
    else {
      ctx.stdout.write(`built ${result.ref}${result.imageId ? ` (image ${result.imageId.slice(7, 19)})` : ""}\n`);
      if (result.pinned) ctx.stdout.write(`pushed ${result.pinned}\n`);
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/**
 * Without -e: the one environment, or any of several when they all build the same thing (the
 * same app.build and image repository); else the usual ambiguity error.
 */
function environmentToBuild(validated: ValidatedSpec, name: string | undefined): ResolvedEnvironment {
  const all = Object.values(validated.environments);
  if (name === undefined && all.length > 1) {
    const what = (e: ResolvedEnvironment) => JSON.stringify([e.app.build, e.app.image.replace(/[:@].*$/, "")]);
    const first = all[0] as ResolvedEnvironment;
    if (all.every((e) => what(e) === what(first))) return first;
  }
  return chooseEnvironment(validated, name);
}

/** Builds (and with push, pushes) the image of `env`'s app.build. Progress goes to stderr, secrets redacted. */
export async function buildForSpec(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: { push: boolean; platform?: string[] | undefined; force: boolean; infra?: InfraOutputs | undefined },
): Promise<BuildResult> {
  // With Terraform outputs the image goes to the repository the ECR module made.
  const fromSpec = buildModel(validated, env, { tag: "build" });
  const model = opts.infra ? withInfraOutputs(fromSpec, opts.infra) : fromSpec;
  const build = model.build;
  if (build === undefined) {
    throw new SlipwayError(
      "BUILD_NOT_CONFIGURED",
      `environment '${env.name}' has no app.build: slipway does not know how to build its image`,
      {
        location: locationOf(validated.source, ["app"]),
        hint: "Add app.build (context, dockerfile) to slipway.yaml, or deploy an image built elsewhere with --tag/--digest.",
      },
    );
  }
  const redactor = secretsOf(ctx).add(secretValues(ctx, model));
  const log = (line: string) => {
    ctx.stderr.write(`${redactor.text(line)}\n`);
  };
  const specDir = dirname(validated.file);
  const context = resolve(specDir, build.context);
  const dockerfile = resolve(context, build.dockerfile);
  const show = (path: string) => relative(ctx.cwd, path) || path;
  const specShown = show(validated.file);

  // Preflight: check's Dockerfile rules and the .dockerignore check, high findings stop the build.
  const today = ctx.env.SLIPWAY_TODAY ?? new Date().toISOString().slice(0, 10);
  const contextFindings = dockerignoreFindings(
    await readTextIfExists(resolve(context, ".dockerignore")),
    show(resolve(context, ".dockerignore")),
    {
      node: (await readTextIfExists(resolve(context, "package.json"))) !== undefined,
    },
  );
  const waived = (f: ContextFinding) =>
    (validated.spec.checks?.waivers ?? []).some((w) => w.rule === f.ruleId && (w.until === undefined || w.until >= today));
  const open = contextFindings.filter((f) => !waived(f));
  const warnings = open.filter((f) => f.severity !== "high");
  if (!opts.force) {
    const dockerfileCheck = await dockerfilePreflight(validated, dockerfile, { cwd: ctx.cwd, specShown, today, drivers: ctx.drivers });
    const contextBlocking = open.filter((f) => f.severity === "high");
    const blocking = [
      ...dockerfileCheck.findings.map((f) => `${f.ruleId} ${findingLocation(f)}: ${f.message}`),
      ...contextBlocking.map((f) => `${f.ruleId} ${f.file}: ${f.message}`),
    ];
    if (blocking.length > 0) {
      const more = blocking.length > 3 ? `; and ${blocking.length - 3} more` : "";
      throw new SlipwayError(
        "BUILD_PREFLIGHT",
        `build preflight: ${blocking.length} finding(s) at high or above — ${blocking.slice(0, 3).join("; ")}${more}`,
        {
          hint: buildPreflightHint({
            dockerfileCommand: dockerfileCheck.findings.length > 0 ? dockerfileCheck.command : undefined,
            dockerignore: contextBlocking[0]?.file,
          }),
        },
      );
    }
  }
  if (!ctx.json) for (const w of warnings) ctx.stderr.write(`${ctx.colors.yellow("warning:")} ${w.ruleId} ${w.file}: ${w.message}\n`);

  const runEnv = buildEnv(ctx.env);
  const runtime = await detectRuntime(localHost, runEnv, context);
  const facts = await sourceFacts(localHost, runEnv, context, ctx.env.SOURCE_DATE_EPOCH);
  const tag = contentTag(facts);
  const repository = model.image.repository;
  const ref = `${repository}:${tag}`;
  const platforms =
    opts.platform && opts.platform.length > 0 ? opts.platform.flatMap((p) => p.split(",")).filter((p) => p !== "") : build.platforms;
  for (const p of platforms)
    if (!/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(p))
      throw new SlipwayError("USAGE", `--platform ${p}: not os/arch`, {
        hint: "Write platforms as os/arch, e.g. --platform linux/amd64,linux/arm64.",
      });
  if (runtime.kind === "docker" && platforms.length > 1 && !opts.push) {
    throw new SlipwayError("USAGE", "Docker cannot keep a multi-platform image in its local store: build several platforms with --push", {
      hint: "Add --push, or build one platform with --platform linux/amd64.",
    });
  }
  // Amazon ECR: a token from the AWS SDK for the push, unless the user's runtime has a credential helper for it.
  let ecr: { registry: NonNullable<ReturnType<typeof ecrRegistryOf>>; learn: (secrets: string[]) => void } | undefined;
  if (opts.push) {
    let registry: ReturnType<typeof ecrRegistryOf>;
    try {
      registry = ecrRegistryOf(repository);
    } catch (error) {
      if (!(error instanceof SlipwayError)) throw error;
      throw new SlipwayError(error.code, error.message, {
        location: locationOf(validated.source, ["app", "image"]),
        ...(error.hint ? { hint: error.hint } : {}),
      });
    }
    if (registry && !(await userHasHelper(registry, runEnv))) ecr = { registry, learn: (secrets) => redactor.add(secrets) };
  }
  const labels = imageLabels({ source: sourceUrl(facts.remote), revision: facts.commit, epoch: facts.epoch });
  log(`${ctx.json ? "" : ctx.colors.dim("build: ")}${runtime.version} (${runtime.reason}); ${ref}`);
  const dockerfileText = await readTextIfExists(dockerfile);
  // Ctrl-C or SIGTERM stops the runtime's command too (BUILD_INTERRUPTED, exit 130), rather than leaving it running.
  const built = await whileInterruptible((signal) =>
    buildImage(
      localHost,
      runEnv,
      runtime,
      { context, dockerfile, ref, platforms, labels, epoch: facts.epoch, push: opts.push },
      { cwd: context, dockerfileText, dockerfileShown: show(dockerfile), onLine: log, signal, ...(ecr ? { ecr } : {}) },
    ),
  );
  return {
    environment: env.name,
    runtime: { kind: runtime.kind, version: runtime.version, reason: runtime.reason },
    repository,
    tag,
    ref,
    platforms,
    imageId: built.imageId,
    digest: built.digest,
    pinned: built.digest === undefined ? undefined : `${repository}@${built.digest}`,
    labels: Object.fromEntries(labels),
    warnings,
  };
}

/** Values of the app's secrets this process can see (env source), so build output never shows one. */
function secretValues(ctx: CliContext, model: AppModel): string[] {
  return model.secrets.names.map((n) => ctx.env[n]).filter((v): v is string => v !== undefined && v.length >= 4);
}
