import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ensureStateBucket, type StateBucketResult } from "../../effects/state-bucket.js";
import { requireTerraform, runTerraform } from "../../effects/terraform.js";
import { applyArgv, initArgv, planArgv } from "../../effects/terraform-commands.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { type InfraSettings, infraSettings } from "../../model/infra.js";
import { infraDrift } from "../../spec/infra-drift.js";
import { locationOf } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { type CliContext, secretsOf } from "../context.js";
import { infraOutputsFor, infraRootOf } from "../infra-outputs.js";
import { whileInterruptible } from "../interrupts.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";

/*
 * `slipway infra bootstrap|plan|apply|drift -e ENV`: the state bucket (AWS SDK), the Terraform root
 * that `render terraform` wrote run through tofu/terraform (commands as data in
 * effects/terraform-commands.ts, output streamed to stderr), and the comparison of the spec with
 * the applied outputs. What the commands print never holds the AWS secret key or session token.
 */

export interface InfraOptions {
  file: string;
  env?: string;
  json?: boolean;
  /** plan/apply/drift: the Terraform root (default infra/<env>/ in the current folder). */
  dir?: string;
  /** plan: where the plan is saved (default <root>/tfplan). */
  out?: string;
  /** apply: the saved plan to apply. */
  plan?: string;
  /** drift: the outputs file instead of `terraform output -json`. */
  infra?: string;
}

interface InfraEnv {
  validated: ValidatedSpec;
  env: ResolvedEnvironment;
  settings: InfraSettings | undefined;
}

async function loadInfraEnv(ctx: CliContext, opts: InfraOptions): Promise<InfraEnv> {
  // The AWS SDK and Terraform read these from the environment; nothing slipway prints may show them.
  secretsOf(ctx).add(
    [ctx.env.AWS_SECRET_ACCESS_KEY, ctx.env.AWS_SESSION_TOKEN].filter((v): v is string => v !== undefined && v.length >= 8),
  );
  const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
  const env = chooseEnvironment(validated, opts.env);
  return { validated, env, settings: infraSettings(validated, env.name) };
}

function requireSettings(loaded: InfraEnv, command: string): InfraSettings {
  if (loaded.settings) return loaded.settings;
  throw new SlipwayError(
    "INFRA_NOT_CONFIGURED",
    `environment '${loaded.env.name}' has no infra block, so \`slipway infra ${command}\` has no region or state bucket to work with`,
    {
      location: locationOf(loaded.validated.source, ["environments", loaded.env.name]),
      hint: "Add `infra: { region: … }` to slipway.yaml (or under environments.<name>), then `slipway render terraform`; see docs/infra.md.",
    },
  );
}

function print(ctx: CliContext, line: string): void {
  ctx.stdout.write(`${secretsOf(ctx).text(line)}\n`);
}

/** `slipway infra bootstrap`: the state bucket, created or brought to slipway's settings. */
export async function infraBootstrapCommand(ctx: CliContext, opts: InfraOptions): Promise<number> {
  try {
    const loaded = await loadInfraEnv(ctx, opts);
    const settings = requireSettings(loaded, "bootstrap");
    const result = await ensureStateBucket({ bucket: settings.stateBucket, region: settings.region });
    const summary = bootstrapSummary(loaded.env.name, settings, result);
    if (ctx.json) print(ctx, JSON.stringify({ ok: true, result: summary }));
    else {
      const c = ctx.colors;
      print(ctx, `state bucket s3://${result.bucket} (${result.region}), key ${settings.stateKey}`);
      for (const step of result.steps) {
        print(ctx, `  ${step.changed ? c.green("changed  ") : c.dim("unchanged")} ${step.setting.padEnd(20)} ${step.detail}`);
      }
      const changed = result.steps.filter((s) => s.changed).length;
      print(
        ctx,
        changed === 0 ? "nothing changed: the bucket was already set up" : `${changed} of ${result.steps.length} settings changed`,
      );
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

function bootstrapSummary(environment: string, settings: InfraSettings, result: StateBucketResult) {
  return {
    environment,
    bucket: result.bucket,
    region: result.region,
    key: settings.stateKey,
    changed: result.changed,
    steps: result.steps,
  };
}

/** Whether the process runs in CI (CI=true, as GitHub Actions, GitLab and most runners set it). */
export function inCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env.CI?.toLowerCase();
  return v !== undefined && v !== "" && v !== "false" && v !== "0";
}

/** The root folder; INFRA_ROOT_MISSING when `render terraform` has not written it. */
function rootOf(ctx: CliContext, loaded: InfraEnv, opts: InfraOptions) {
  const root = infraRootOf(ctx, loaded.env.name, opts.dir);
  if (!existsSync(root.path)) {
    throw new SlipwayError("INFRA_ROOT_MISSING", `no Terraform root for environment '${loaded.env.name}' at ${root.shown}`, {
      hint: `Render it first: slipway render terraform -e ${loaded.env.name} --out infra/ (or point --dir at the root).`,
    });
  }
  return root;
}

/** Runs one tofu/terraform step in the root, its output streamed to stderr (redacted); INFRA_COMMAND_FAILED on a non-zero exit. */
async function step(ctx: CliContext, argv: string[], root: { path: string; shown: string }, signal: AbortSignal, interactive = false) {
  const redactor = secretsOf(ctx);
  const name = `${argv[0]?.slice(argv[0].lastIndexOf("/") + 1)} ${argv[1]}`;
  ctx.stderr.write(`${ctx.colors.bold(`▸ ${name}`)} ${ctx.colors.dim(`(in ${root.shown})`)}\n`);
  const run = await runTerraform(argv, {
    cwd: root.path,
    env: ctx.env,
    stream: (chunk) => ctx.stderr.write(redactor.text(chunk)),
    interactive,
    signal,
  });
  if (signal.aborted) {
    throw new SlipwayError(
      "INFRA_INTERRUPTED",
      `${name} interrupted by ${String(signal.reason)}; it was asked to stop (SIGINT) and has exited`,
      {
        hint: "Terraform releases the state lock when it stops cleanly; if a later run reports the lock held, `tofu force-unlock` it.",
      },
    );
  }
  if (run.code !== 0) {
    throw new SlipwayError("INFRA_COMMAND_FAILED", `${name} exited with ${run.code} (its output is above)`, {
      hint: name.endsWith("init")
        ? "Read the tool's error above: a backend error points at the state bucket (`slipway infra bootstrap`) or the AWS credentials; a module or provider download error, at the network path to the Terraform registry."
        : "Read the tool's error above; fix the spec (then render terraform again) or the AWS side, and run the command again.",
    });
  }
}

/** `slipway infra plan`: init with the spec's backend, then a saved plan. */
export async function infraPlanCommand(ctx: CliContext, opts: InfraOptions): Promise<number> {
  try {
    const loaded = await loadInfraEnv(ctx, opts);
    const settings = requireSettings(loaded, "plan");
    const root = rootOf(ctx, loaded, opts);
    const bin = requireTerraform(ctx.env);
    const noColor = !ctx.colors.enabled;
    const planFile = resolve(ctx.cwd, opts.out ?? resolve(root.path, "tfplan"));
    await whileInterruptible(async (signal) => {
      await step(ctx, initArgv(bin.path, backendOf(settings), noColor), root, signal);
      await step(ctx, planArgv(bin.path, planFile, noColor), root, signal);
    });
    const result = { environment: loaded.env.name, root: root.shown, binary: bin.name, plan: planFile };
    if (ctx.json) print(ctx, JSON.stringify({ ok: true, result }));
    else print(ctx, `plan saved to ${planFile}; review it, then: slipway infra apply -e ${loaded.env.name} --plan ${planFile}`);
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

function backendOf(settings: InfraSettings) {
  return { bucket: settings.stateBucket, key: settings.stateKey, region: settings.region };
}

/**
 * `slipway infra apply`: with --plan, exactly that saved plan; without, Terraform's interactive
 * apply at a terminal. In CI (CI=true) or without a terminal only a saved plan is applied: an
 * unreviewed apply is what the saved plan exists to prevent.
 */
export async function infraApplyCommand(ctx: CliContext, opts: InfraOptions): Promise<number> {
  try {
    const loaded = await loadInfraEnv(ctx, opts);
    const settings = requireSettings(loaded, "apply");
    const root = rootOf(ctx, loaded, opts);
    const name = loaded.env.name;
    const ci = inCi(ctx.env);
    if (opts.plan === undefined && (ci || ctx.stdin.isTTY !== true)) {
      throw new SlipwayError(
        "INFRA_APPLY_NEEDS_PLAN",
        ci
          ? "CI=true: slipway applies only a saved, reviewed plan, and no --plan was given"
          : "no terminal to confirm an apply on, and no --plan was given",
        {
          hint: `Save a plan with \`slipway infra plan -e ${name}\`, review it, then \`slipway infra apply -e ${name} --plan infra/${name}/tfplan\`.`,
        },
      );
    }
    const planFile = opts.plan === undefined ? undefined : resolve(ctx.cwd, opts.plan);
    if (planFile !== undefined && !existsSync(planFile)) {
      throw new SlipwayError("INFRA_APPLY_NEEDS_PLAN", `plan file ${opts.plan} does not exist`, {
        hint: `Save one with \`slipway infra plan -e ${name}\` (it prints where it wrote it).`,
      });
    }
    const bin = requireTerraform(ctx.env);
    const noColor = !ctx.colors.enabled;
    await whileInterruptible(async (signal) => {
      await step(ctx, initArgv(bin.path, backendOf(settings), noColor), root, signal);
      await step(ctx, applyArgv(bin.path, planFile, noColor), root, signal, planFile === undefined);
    });
    // The cluster's name comes from the spec (infra.cluster.name), so the kubeconfig step needs nothing pasted.
    const kubeconfig = ["aws", "eks", "update-kubeconfig", "--region", settings.region, "--name", settings.cluster.name];
    const result = { environment: name, root: root.shown, binary: bin.name, plan: planFile ?? null, kubeconfig };
    if (ctx.json) print(ctx, JSON.stringify({ ok: true, result }));
    else {
      print(ctx, `applied${planFile ? ` ${planFile}` : ""}; the outputs now feed \`slipway deploy -e ${name}\``);
      print(ctx, `a kubeconfig context for the cluster, if you have none: ${kubeconfig.join(" ")}`);
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/**
 * `slipway infra drift`: the spec next to the applied outputs (region, engine, port, database
 * name, app role, image repository). Exit 0 when they agree, 1 when they do not, like `diff`.
 */
export async function infraDriftCommand(ctx: CliContext, opts: InfraOptions): Promise<number> {
  try {
    const loaded = await loadInfraEnv(ctx, opts);
    // Outputs from --infra, else from the initialised root (then the infra block is needed for its backend).
    if (opts.infra === undefined) requireSettings(loaded, "drift");
    const source = await infraOutputsFor(ctx, loaded.validated, loaded.env.name, { infra: opts.infra, infraDir: opts.dir });
    if (source === undefined) {
      const root = infraRootOf(ctx, loaded.env.name, opts.dir);
      throw new SlipwayError("INFRA_ROOT_MISSING", `no initialised Terraform root for environment '${loaded.env.name}' at ${root.shown}`, {
        hint: `Run \`slipway infra plan -e ${loaded.env.name}\` (and apply) first, or pass the outputs with --infra FILE.`,
      });
    }
    // The image is compared by repository only; any tag lets the model build.
    const model = buildModel(loaded.validated, loaded.env, { tag: "drift" });
    const drift = infraDrift(model, loaded.settings?.region, source.outputs);
    if (ctx.json) print(ctx, JSON.stringify({ ok: true, result: { environment: loaded.env.name, outputs: source.from, drift } }));
    else {
      const c = ctx.colors;
      for (const d of drift) {
        print(ctx, `${c.yellow("~")} ${d.field.padEnd(13)} ${d.path.padEnd(17)} spec ${d.spec}  ${c.dim("≠")}  ${d.output} ${d.outputs}`);
      }
      print(
        ctx,
        drift.length === 0
          ? `no drift: the spec agrees with ${source.from}`
          : `${drift.length} difference${drift.length === 1 ? "" : "s"} between the spec and ${source.from}`,
      );
    }
    return drift.length > 0 ? 1 : 0;
  } catch (error) {
    return report(ctx, error);
  }
}
