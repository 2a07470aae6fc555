/*
 * `slipway db drill -e ENV` for an environment whose database is the Aurora cluster `render
 * terraform` makes (an `infra` block with database.service aurora): the source cluster from the
 * Terraform outputs (database_cluster_id; else infra.cluster.name, the identifier the rendered
 * module gives it; --cluster overrides), a point-in-time restore into a scratch cluster through the
 * AWS SDK, timings and the RPO, the check query as a one-off Job manifest (not run by slipway yet),
 * the scratch cluster deleted whatever happened, and the outcome kept in .slipway/<env>/db-history/.
 */
import { dirname, join } from "node:path";
import { type AuroraDrillOutcome, type DrillCheck, runAuroraDrill } from "../../effects/aurora-drill.js";
import { recordDbHistory } from "../../effects/database-backup.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { infraSettings } from "../../model/infra.js";
import { drillCheckJob } from "../../render/kubernetes/drill-check-job.js";
import { instanceClasses } from "../../render/terraform/render-terraform.js";
import { buildModel } from "../../spec/normalize.js";
import type { StyledLine } from "../../targets/driver.js";
import type { CliContext } from "../context.js";
import { infraOutputsFor } from "../infra-outputs.js";
import { signalExitCode, whileInterruptible } from "../interrupts.js";
import { report } from "../report.js";
import { type Loaded, styled, unsupported } from "./environment.js";

export interface AwsDrillOptions {
  cluster?: string;
  /** The local drill's backup; only `latest` (the default) is accepted here. */
  from?: string;
  infra?: string;
  infraDir?: string;
  /** Minutes for the restore and the instance together. */
  timeout?: number;
  /** Seconds between two status reads. */
  poll?: number;
}

/** Whether `slipway db drill -e ENV` is the AWS drill: the environment renders an Aurora cluster. */
export function isAwsDrill(loaded: Loaded): boolean {
  return infraSettings(loaded.validated, loaded.env.name) !== undefined && loaded.env.database !== undefined;
}

const notRun = "not run: slipway does not start the check Job in the cluster yet; the Job it would run is in the --json result (check.job)";

export async function awsDrillCommand(ctx: CliContext, loaded: Loaded, opts: AwsDrillOptions): Promise<number> {
  let interruptedBy: string | undefined;
  try {
    const settings = infraSettings(loaded.validated, loaded.env.name);
    if (!settings) throw new Error("awsDrillCommand called for an environment without infra");
    if (settings.database.service !== "aurora")
      throw unsupported(
        loaded,
        "the AWS drill restores Aurora clusters; this environment renders a plain RDS instance (infra.database.service: rds)",
        "Use infra.database.service: aurora, or drill the RDS instance by hand (restore-db-instance-to-point-in-time).",
      );
    if (opts.cluster !== undefined && !/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/.test(opts.cluster))
      throw new SlipwayError("USAGE", `--cluster: ${JSON.stringify(opts.cluster)} is not an RDS cluster identifier`, {
        hint: "A letter, then letters, digits and single hyphens, at most 63: e.g. --cluster shop-production.",
      });
    if (opts.from !== undefined && opts.from !== "latest")
      throw new SlipwayError(
        "USAGE",
        `--from ${opts.from}: the AWS drill restores the cluster's latest restorable time, not a backup file`,
        {
          hint: `Leave --from out: slipway db drill -e ${loaded.env.name}.`,
        },
      );
    const model = buildModel(loaded.validated, loaded.env);
    const db = model.database;
    if (!db) throw new SlipwayError("DB_NO_DATABASE", `environment '${loaded.env.name}' of ${model.name} has no database`);
    const outputs = await infraOutputsFor(ctx, loaded.validated, loaded.env.name, { infra: opts.infra, infraDir: opts.infraDir });
    const source = opts.cluster ?? outputs?.outputs.database_cluster_id ?? settings.cluster.name;
    const sourceFrom =
      opts.cluster !== undefined
        ? "--cluster"
        : outputs?.outputs.database_cluster_id
          ? `${outputs.from}: database_cluster_id`
          : "infra.cluster.name (the rendered module's identifier)";
    const region = outputs?.outputs.region ?? settings.region;
    const progress = (line: string) => {
      if (!ctx.json) ctx.stderr.write(`${ctx.colors.dim(line)}\n`);
    };
    progress(`source cluster ${source} (from ${sourceFrom})`);
    const check = async (target: { scratch: string; host: string; port: number }): Promise<DrillCheck> => ({
      ran: false,
      detail: notRun,
      job: drillCheckJob(model, target),
    });
    const outcome = await whileInterruptible(
      (signal) =>
        runAuroraDrill({
          region,
          source,
          app: model.name,
          environment: model.environment,
          fallbackInstanceClass: instanceClasses[db.size] ?? db.size,
          pollMs: (opts.poll ?? 15) * 1000,
          timeoutMs: (opts.timeout ?? 90) * 60_000,
          signal,
          progress,
          check,
        }),
      (name) => {
        interruptedBy = name;
        progress(`${name}: stopping the drill; the scratch cluster is deleted first`);
      },
    );
    const historyDir = join(dirname(loaded.file), ".slipway", loaded.env.name, "db-history");
    const redact = (text: string) => (ctx.secrets ? ctx.secrets.text(text) : text);
    await recordDbHistory(historyDir, {
      action: "drill",
      ok: outcome.ok,
      at: new Date(Date.now() - (outcome.phases.total ?? 0) * 1000).toISOString(),
      kind: "aws-point-in-time",
      region: outcome.region,
      source: outcome.source,
      engine: outcome.engine,
      scratchCluster: outcome.scratchCluster,
      latestRestorableTime: outcome.latestRestorableTime,
      rpoSeconds: outcome.rpoSeconds,
      rtoSeconds: outcome.rtoSeconds,
      phases: outcome.phases,
      check: outcome.check ? { ran: outcome.check.ran, detail: outcome.check.detail } : undefined,
      deletion: outcome.deletion,
      ...(outcome.staleDeleted ? { staleDeleted: outcome.staleDeleted } : {}),
      ...(outcome.error ? { error: redact(outcome.error.message) } : {}),
    });
    if (outcome.error) {
      const deletion = outcome.scratchCluster
        ? ` — scratch ${outcome.scratchCluster}: instance ${outcome.deletion.instance}, cluster ${outcome.deletion.cluster}`
        : "";
      throw new SlipwayError(outcome.error.code, `${outcome.error.message}${deletion}`, {
        ...(outcome.error.hint ? { hint: outcome.error.hint } : {}),
        cause: outcome.error.cause,
      });
    }
    const result = { ...outcome, error: undefined };
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
    else for (const line of lines(outcome)) ctx.stdout.write(`${redact(styled(ctx, line))}\n`);
    return 0;
  } catch (error) {
    const code = report(ctx, error);
    return interruptedBy ? signalExitCode(interruptedBy) : code;
  }
}

function lines(o: AuroraDrillOutcome): StyledLine[] {
  return [
    [
      { tone: "green", text: "drill passed" },
      ` ${o.source} (${o.engine}, ${o.region}): point-in-time restore into ${o.scratchCluster}${o.check?.ran ? "" : " (check query not run)"}`,
    ],
    [
      { tone: "bold", text: `  RTO ${o.rtoSeconds} s` },
      ` (restore ${o.phases.restore} s, instance ${o.phases.instance} s; until the restored cluster's instance was available)`,
    ],
    [{ tone: "bold", text: `  RPO ${o.rpoSeconds} s` }, ` (restored to the latest restorable time, ${o.latestRestorableTime})`],
    [`  check query: ${o.check?.detail ?? "not run"}`],
    [`  scratch deleted: instance ${o.deletion.instance}, cluster ${o.deletion.cluster} (total ${o.phases.total} s)`],
    ...(o.staleDeleted ?? []).map(
      (s): StyledLine => [
        `  left behind by an earlier drill, deleted: ${s.cluster} (instance ${s.deletion.instance}, cluster ${s.deletion.cluster})`,
      ],
    ),
  ];
}
