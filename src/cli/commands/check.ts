import { relative, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { catalogue } from "../../check/catalogue.js";
import { type CheckBatch, parseInputs } from "../../check/parse-inputs.js";
import { describePeerCheck, peerChecks, peerNames } from "../../check/peers.js";
import { codequalityReport } from "../../check/reporters/codequality.js";
import { jsonReport } from "../../check/reporters/json.js";
import { junitReport } from "../../check/reporters/junit.js";
import { sarifReport } from "../../check/reporters/sarif.js";
import { type ReportView, summarize } from "../../check/reporters/summary.js";
import { textReport } from "../../check/reporters/text.js";
import { type CheckOptions, runCheck } from "../../check/run-check.js";
import { type Rule, type Severity, severities } from "../../check/types.js";
import type { ScopedWaiver } from "../../check/waivers.js";
import { exitCodes } from "../../errors/codes.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { colorsFor } from "../../output/colors.js";
import type { ValidatedSpec } from "../../spec/validate.js";
import { fileExists, gatherCheckInputs, writeReportFile } from "../check-inputs.js";
import type { CliContext } from "../context.js";
import { report } from "../report.js";
import { version } from "../version.js";

// The spec reader (zod, the schema), the renderer and the preflight are imported only when a
// slipway.yaml is there to read: `check FILES` without one starts without them.
const specModules = async () => {
  const [{ loadSpecForCli }, { chooseEnvironment }, preflight] = await Promise.all([
    import("../load-spec.js"),
    import("../../spec/normalize.js"),
    import("./preflight.js"),
  ]);
  return { loadSpecForCli, chooseEnvironment, deployedInputs: preflight.deployedInputs, specCheckOptions: preflight.specCheckOptions };
};

export interface CheckCommandOptions {
  file: string;
  env?: string;
  tag?: string;
  digest?: string;
  format?: string;
  json?: boolean;
  out?: string;
  minSeverity?: string;
  rule?: string[];
  skip?: string[];
  showWaived?: boolean;
  namespace?: string;
}

const formats = ["text", "json", "sarif", "junit", "codequality"] as const;

/**
 * A check keeps every object it parses until the report, so each young-generation collection
 * copies them again: let V8's young generation grow in one step instead of doubling from 1 MB
 * (V8 reads the growth factor each time it grows it; the larger maximum measured better with it).
 * bench/RESULTS.md: 15 % fewer instructions at 10k objects, 9 % at 1k, none at 45.
 */
function roomForParsedObjects(): void {
  setFlagsFromString("--semi-space-growth-factor=32");
  setFlagsFromString("--max-semi-space-size=64");
}

/** `slipway check [paths…]`: returns the exit code (0 clean, 1 findings, 2 usage/parse error). */
export async function checkCommand(ctx: CliContext, paths: readonly string[], opts: CheckCommandOptions): Promise<number> {
  roomForParsedObjects();
  try {
    const format = opts.json ? "json" : (opts.format ?? "text");
    if (!(formats as readonly string[]).includes(format)) {
      throw new SlipwayError("USAGE", `unknown format '${format}'`, { hint: `Use --format ${formats.join(", ")}.` });
    }
    const minSeverity = (opts.minSeverity ?? "medium") as Severity;
    if (!severities.includes(minSeverity)) {
      throw new SlipwayError("USAGE", `unknown severity '${opts.minSeverity}'`, { hint: `Use --min-severity ${severities.join(", ")}.` });
    }
    const namespace = opts.namespace ?? "default";
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      throw new SlipwayError("USAGE", `'${namespace}' is not a namespace name`, {
        hint: "A namespace is at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
      });
    }
    const rules = splitList(opts.rule);
    const skip = splitList(opts.skip);
    for (const id of [...rules, ...skip]) knownRulePattern(id);

    const specPath = resolve(ctx.cwd, opts.file);
    const specShown = relative(ctx.cwd, specPath) || opts.file;
    let batch: CheckBatch;
    let validated: ValidatedSpec | undefined;
    let spec: Awaited<ReturnType<typeof specModules>> | undefined;
    const extraWaivers: ScopedWaiver[] = [];
    if (paths.length === 0) {
      spec = await specModules();
      const { chooseEnvironment, deployedInputs } = spec;
      validated = await spec.loadSpecForCli(ctx, specPath);
      // With -e: what that environment deploys (the deploy preflight runs exactly this); without:
      // what every environment deploys.
      const envs = opts.env === undefined ? Object.values(validated.environments) : [chooseEnvironment(validated, opts.env)];
      const deployed = await deployedInputs(validated, envs, {
        cwd: ctx.cwd,
        specFile: specPath,
        specShown,
        tag: opts.tag,
        digest: opts.digest,
        drivers: ctx.drivers,
      });
      batch = deployed.batch;
      extraWaivers.push(...deployed.extraWaivers);
      const unchecked = deployed.unchecked[0];
      if (opts.env !== undefined && unchecked !== undefined && format === "text")
        ctx.stderr.write(`environment '${unchecked.environment}' deploys ${unchecked.deploys}, so no rule applies\n`);
    } else {
      if (await fileExists(specPath)) {
        spec = await specModules();
        validated = await spec.loadSpecForCli(ctx, specPath);
      }
      const gathered = await gatherCheckInputs(paths, { cwd: ctx.cwd, env: ctx.env, stdin: ctx.stdin });
      batch = parseInputs(gathered.texts);
      batch.issues.unshift(...gathered.issues);
    }

    const checkOptions: CheckOptions = {
      rules,
      skip,
      today: ctx.env.SLIPWAY_TODAY ?? new Date().toISOString().slice(0, 10),
      extraWaivers,
      ...(validated && spec ? await spec.specCheckOptions(validated, specShown, ctx.drivers) : {}),
      namespace,
    };
    const result = runCheck(batch, checkOptions);
    const view: ReportView = { report: result, minSeverity, showWaived: opts.showWaived === true };
    const summary = summarize(view);
    const code = summary.parseErrors > 0 ? exitCodes.usage : summary.total > 0 ? exitCodes.failure : exitCodes.ok;

    let output: string;
    if (format === "json") output = `${JSON.stringify({ ok: code === exitCodes.ok, result: jsonReport(view) })}\n`;
    else if (format === "sarif")
      output = `${JSON.stringify(sarifReport(view, { toolVersion: version, renderedUri: validated ? specShown : undefined }), null, 2)}\n`;
    else if (format === "junit") output = junitReport(view);
    else if (format === "codequality")
      output = `${JSON.stringify(codequalityReport(view, { renderedPath: validated ? specShown : undefined }), null, 2)}\n`;
    // Colours only where they are seen: stdout on a terminal (or FORCE_COLOR), never in a file.
    else output = textReport(view, opts.out || !ctx.colors.enabled ? colorsFor({}, {}, false) : colorsFor(ctx.stdout, ctx.env));

    // The report is the command's data: stdout in every format. With --out it goes to the file, and
    // stderr gets the text summary for the person watching.
    if (opts.out) {
      await writeReportFile(resolve(ctx.cwd, opts.out), output);
      if (format !== "text") ctx.stderr.write(textReport(view, ctx.colors));
      ctx.stderr.write(`${format} report written to ${opts.out}\n`);
    } else ctx.stdout.write(output);
    return code;
  } catch (error) {
    return report(ctx, error);
  }
}

/** `slipway rules [ID]`: the catalogue, or one rule in full. */
export async function rulesCommand(ctx: CliContext, id: string | undefined, opts: { json?: boolean }): Promise<number> {
  try {
    const selected =
      id === undefined ? [...catalogue] : catalogue.filter((r) => r.id === id.toUpperCase() || r.id.startsWith(`${id.toUpperCase()}-`));
    if (selected.length === 0) knownRulePattern(id ?? "");
    if (opts.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, result: { count: selected.length, rules: selected.map(ruleJson) } })}\n`);
      return 0;
    }
    if (id !== undefined && selected.length === 1) {
      ctx.stdout.write(ruleDetail(selected[0] as Rule, ctx));
      return 0;
    }
    const width = Math.max(...selected.map((r) => r.title.length));
    let out = "";
    for (const r of selected) {
      const peers = peerChecks(r.peers).length;
      out += `${r.id.padEnd(12)}  ${r.severity.padEnd(8)}  ${r.category.padEnd(11)}  ${r.title.padEnd(width)}  ${peers > 0 ? ctx.colors.dim(`${peers} peer check${peers === 1 ? "" : "s"}`) : ""}\n`;
    }
    const areas = ["kubernetes", "terraform", "dockerfile", "ci", "general"].map(
      (a) => `${selected.filter((r) => r.area === a).length} ${a}`,
    );
    out += `\n${selected.length} rules (${areas.join(", ")}). \`slipway rules <ID>\` shows one in full.\n`;
    ctx.stdout.write(out);
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

function ruleJson(r: Rule): Record<string, unknown> {
  return {
    id: r.id,
    area: r.area,
    title: r.title,
    severity: r.severity,
    category: r.category,
    rationale: r.rationale,
    remediation: r.remediation,
    snippet: r.snippet,
    peers: r.peers,
  };
}

function ruleDetail(r: Rule, ctx: CliContext): string {
  const peers = peerChecks(r.peers).map(({ peer, check }) => `  ${peerNames[peer].padEnd(11)} ${describePeerCheck(check)}`);
  const snippet = r.snippet
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
  return `${ctx.colors.bold(`${r.id}  ${r.title}`)}
${r.severity} · ${r.category} · ${r.area}

Why:  ${r.rationale}
Fix:  ${r.remediation}

${snippet}
${peers.length > 0 ? `\nEquivalent checks:\n${peers.join("\n")}\n` : ""}
Waive with a reason (and optionally a date):
  metadata.annotations: slipway.dev/waive: "${r.id}=reason until 2027-03-01"
  # slipway:waive ${r.id}=reason            (Terraform, Dockerfile, CI files: above the block)
  checks.waivers: [{ rule: ${r.id}, reason: "…", until: 2027-03-01 }]   (slipway.yaml)
`;
}

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim().toUpperCase())
    .filter((v) => v !== "");
}

function knownRulePattern(id: string): void {
  const upper = id.toUpperCase();
  if (catalogue.some((r) => r.id === upper || r.id.startsWith(`${upper}-`) || r.id.startsWith(upper))) return;
  throw new SlipwayError("CHECK_UNKNOWN_RULE", `no rule ${id} in the catalogue`, {
    hint: "Run `slipway rules` for the list (IDs look like SLW-K8S-001; a prefix such as SLW-TF selects an area).",
  });
}
