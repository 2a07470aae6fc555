/*
 * The AWS restore drill of an Aurora cluster, through the AWS SDK's RDS client: read the source
 * cluster (its latest restorable time is the RPO), restore it to that time into a scratch cluster,
 * give the scratch cluster an instance, wait until both are available (bounded, polling, each
 * status change reported), let the caller run or describe the check query, and in a `finally`
 * ALWAYS delete the scratch instance and cluster (no final snapshot), on success, failure or
 * interrupt, reporting what the deletion did. Credentials, region and endpoint come from the SDK's
 * default chain (AWS_PROFILE, SSO, instance roles; AWS_ENDPOINT_URL_RDS). The SDK loads on first use.
 */
import { randomBytes } from "node:crypto";
import { SlipwayError } from "../errors/slipway-error.js";
import {
  deleteClusterRequest,
  deleteInstanceRequest,
  drillTags,
  instanceRequest,
  type ListedCluster,
  restoreRequest,
  type SourceCluster,
  scratchIdentifier,
  scratchInstanceIdentifier,
  scratchPrefix,
  seconds,
  staleScratch,
  waitState,
} from "./aurora-drill-commands.js";
import { awsErrorFacts } from "./state-bucket.js";

type RdsModule = typeof import("@aws-sdk/client-rds");

async function loadRds(): Promise<RdsModule> {
  const loaded: RdsModule & { default?: RdsModule } = await import("@aws-sdk/client-rds");
  return loaded.RDSClient === undefined && loaded.default ? loaded.default : loaded;
}

export interface AuroraDrillOptions {
  region: string;
  /** The source cluster's identifier. */
  source: string;
  app: string;
  environment: string;
  /** The scratch instance's class when the source has no instance to copy it from. */
  fallbackInstanceClass: string;
  /** Between two status reads. */
  pollMs: number;
  /** For the restore and the instance together. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** A line of progress (a status change, a step), for stderr. */
  progress: (line: string) => void;
  /** The check query against the available scratch cluster (before it is deleted). */
  check: (target: { scratch: string; host: string; port: number }) => Promise<DrillCheck>;
  now?: () => Date;
}

export interface DrillCheck {
  ran: boolean;
  ok?: boolean;
  /** Why it did not run, or what it found. */
  detail: string;
  [key: string]: unknown;
}

export interface ScratchDeletion {
  instance: string;
  cluster: string;
}

export interface AuroraDrillOutcome {
  ok: boolean;
  region: string;
  source: string;
  engine?: string;
  scratchCluster?: string;
  scratchInstance?: string;
  endpoint?: string;
  port?: number;
  /** The source's latest restorable time when the drill started: what the restore restored to. */
  latestRestorableTime?: string;
  /** Seconds between the latest restorable time and the drill's start (how much a restore would lose). */
  rpoSeconds?: number;
  /** Seconds from the restore request until the instance was available (the time a real restore takes). */
  rtoSeconds?: number;
  phases: Record<string, number>;
  check?: DrillCheck;
  deletion: ScratchDeletion;
  /** Scratch clusters earlier drills of this source left behind, deleted first (each with what RDS answered). */
  staleDeleted?: { cluster: string; deletion: ScratchDeletion }[];
  error?: SlipwayError;
}

/** An SDK failure during the drill as DB_DRILL_FAILED with what to do. Pure. */
export function drillAwsError(error: unknown, doing: string): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const { name, message, status } = awsErrorFacts(error);
  let hint = "Check the region and the network path to RDS (proxy variables, AWS_ENDPOINT_URL_RDS); run the drill again.";
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message))
    hint =
      "slipway reads the AWS SDK's default credentials: set AWS_PROFILE (and run `aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.";
  else if (name === "DBClusterNotFoundFault")
    hint =
      "The source cluster is the Terraform output database_cluster_id (`slipway infra plan/apply` root, or --infra FILE), else infra.cluster.name; give another with --cluster.";
  else if (/AccessDenied|UnauthorizedOperation|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/i.test(name) || status === 403)
    hint =
      "The AWS identity needs rds:DescribeDBClusters, rds:DescribeDBInstances, rds:RestoreDBClusterToPointInTime, rds:CreateDBInstance, rds:AddTagsToResource, rds:DeleteDBInstance and rds:DeleteDBCluster (and kms:CreateGrant/kms:DescribeKey on an encrypted cluster's key).";
  else if (/Quota|LimitExceeded/i.test(name))
    hint = "An RDS quota is reached (clusters, instances or storage); raise it or remove unused clusters.";
  return new SlipwayError("DB_DRILL_FAILED", `AWS drill: could not ${doing}${name ? ` (${name})` : ""}: ${message}`, {
    hint,
    cause: error,
  });
}

function interrupted(signal: AbortSignal | undefined): SlipwayError {
  const name = typeof signal?.reason === "string" ? signal.reason : "SIGINT";
  return new SlipwayError("DB_DRILL_FAILED", `AWS drill interrupted (${name})`, {
    hint: "The scratch cluster and instance were deleted (see the deletion lines); run the drill again when you can wait for it.",
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const notFound = (error: unknown) => /DBClusterNotFound|DBInstanceNotFound/.test(awsErrorFacts(error).name);

/** Runs the drill. Never throws once the scratch cluster may exist: the outcome carries the error and what the deletion did. */
export async function runAuroraDrill(options: AuroraDrillOptions): Promise<AuroraDrillOutcome> {
  const now = options.now ?? (() => new Date());
  const sdk = await loadRds();
  const rds = new sdk.RDSClient({ region: options.region, maxAttempts: 3 });
  const { signal, progress } = options;
  const outcome: AuroraDrillOutcome = {
    ok: false,
    region: options.region,
    source: options.source,
    phases: {},
    deletion: { instance: "not created", cluster: "not created" },
  };
  const send = async <T>(doing: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw drillAwsError(error, doing);
    }
  };
  let clusterRequested = false;
  let instanceRequested = false;
  const started = now();
  try {
    // 1. The source: its engine, network, backups and latest restorable time.
    const described = await send(`read cluster ${options.source} in ${options.region}`, () =>
      rds.send(new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: options.source })),
    );
    const raw = described.DBClusters?.[0];
    if (!raw)
      throw drillAwsError({ name: "DBClusterNotFoundFault", message: `DBCluster ${options.source} not found.` }, "find the source cluster");
    const source: SourceCluster = {
      identifier: options.source,
      engine: raw.Engine ?? "",
      engineVersion: raw.EngineVersion,
      status: raw.Status,
      backupRetentionDays: raw.BackupRetentionPeriod ?? 0,
      latestRestorableTime: raw.LatestRestorableTime,
      subnetGroup: raw.DBSubnetGroup,
      parameterGroup: raw.DBClusterParameterGroup,
      securityGroupIds: (raw.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? "").filter(Boolean),
      port: raw.Port,
    };
    outcome.engine = source.engine;
    if (!source.engine.startsWith("aurora"))
      throw new SlipwayError("DB_DRILL_FAILED", `AWS drill: ${options.source} runs ${source.engine || "an unknown engine"}, not Aurora`, {
        hint: "The AWS drill restores Aurora clusters (infra.database.service: aurora); a plain RDS instance is not drilled yet.",
      });
    if (source.backupRetentionDays < 1 || !source.latestRestorableTime)
      throw new SlipwayError(
        "DB_DRILL_FAILED",
        `AWS drill: ${options.source} keeps no automated backups, so it has no point in time to restore`,
        {
          hint: "Set database.backups.retentionDays to at least 1 and apply the infrastructure (`slipway infra apply`).",
        },
      );
    outcome.latestRestorableTime = source.latestRestorableTime.toISOString();
    outcome.rpoSeconds = seconds(Math.max(0, started.getTime() - source.latestRestorableTime.getTime()));
    // Scratch clusters of earlier drills that never reached their `finally`: each is a full copy of the data.
    const listed: ListedCluster[] = [];
    let marker: string | undefined;
    do {
      const page = await send("list the clusters", () => rds.send(new sdk.DescribeDBClustersCommand({ Marker: marker })));
      for (const c of page.DBClusters ?? [])
        listed.push({
          identifier: c.DBClusterIdentifier ?? "",
          status: c.Status,
          tags: (c.TagList ?? []).map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" })),
          members: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? "").filter(Boolean),
        });
      marker = page.Marker;
    } while (marker);
    for (const stale of staleScratch(listed, options.source, started, options.timeoutMs + 60 * 60_000)) {
      progress(`deleting ${stale.identifier}, left behind by an earlier drill`);
      const deletion = await deleteScratch(sdk, rds, stale.identifier, stale.members, options.pollMs, progress);
      outcome.staleDeleted = [...(outcome.staleDeleted ?? []), { cluster: stale.identifier, deletion }];
    }
    const members = await send(`read the instances of ${options.source}`, () =>
      rds.send(new sdk.DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [options.source] }] })),
    );
    const instanceClass =
      members.DBInstances?.find((i) => i.DBInstanceClass && i.DBInstanceClass !== "db.serverless")?.DBInstanceClass ??
      options.fallbackInstanceClass;

    // 2. The restore, then an instance in it.
    const scratch = scratchIdentifier(options.source, started, randomBytes(2).toString("hex"));
    const tags = drillTags(options.app, options.environment, options.source, started);
    outcome.scratchCluster = scratch;
    progress(`restoring ${options.source} to ${outcome.latestRestorableTime} into ${scratch} (${options.region})`);
    const restoreStarted = Date.now();
    clusterRequested = true;
    try {
      await rds.send(new sdk.RestoreDBClusterToPointInTimeCommand(restoreRequest(source, scratch, tags) as never));
    } catch (error) {
      // A cluster of that name that is not this drill's is never deleted by it.
      if (awsErrorFacts(error).name === "DBClusterAlreadyExistsFault") clusterRequested = false;
      throw drillAwsError(error, `restore ${options.source} into ${scratch}`);
    }
    const deadline = restoreStarted + options.timeoutMs;
    const waitFor = async (what: string, read: () => Promise<string | undefined>) => {
      let last: string | undefined;
      const from = Date.now();
      for (;;) {
        if (signal?.aborted) throw interrupted(signal);
        const status = await read();
        const state = waitState(what, status);
        if (status !== last) {
          progress(`  ${state.reason} (${seconds(Date.now() - from)} s)`);
          last = status;
        }
        if (state.done) {
          if (!state.ok)
            throw new SlipwayError("DB_DRILL_FAILED", `AWS drill: ${state.reason}`, {
              hint: "RDS could not restore the backup into a working cluster: the console's events of the scratch cluster say why; that is what a real restore would meet.",
            });
          return;
        }
        if (Date.now() + options.pollMs > deadline)
          throw new SlipwayError(
            "DB_DRILL_FAILED",
            `AWS drill: ${what} was not available within ${seconds(options.timeoutMs)} s (last: ${status ?? "not listed"})`,
            { hint: "Give it longer with --timeout MINUTES (a full-copy restore of a large cluster takes a while)." },
          );
        await sleep(options.pollMs, signal);
      }
    };
    await waitFor(`cluster ${scratch}`, async () => {
      const r = await send(`read cluster ${scratch}`, () => rds.send(new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: scratch })));
      return r.DBClusters?.[0]?.Status;
    });
    outcome.phases.restore = seconds(Date.now() - restoreStarted);
    const instance = scratchInstanceIdentifier(scratch);
    outcome.scratchInstance = instance;
    progress(`creating instance ${instance} (${instanceClass})`);
    const instanceStarted = Date.now();
    instanceRequested = true;
    await send(`create instance ${instance}`, () =>
      rds.send(new sdk.CreateDBInstanceCommand(instanceRequest(source, scratch, instanceClass, tags) as never)),
    );
    await waitFor(`instance ${instance}`, async () => {
      const r = await send(`read instance ${instance}`, () =>
        rds.send(new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: instance })),
      );
      return r.DBInstances?.[0]?.DBInstanceStatus;
    });
    outcome.phases.instance = seconds(Date.now() - instanceStarted);
    outcome.rtoSeconds = seconds(Date.now() - restoreStarted);
    const endpoint = await send(`read cluster ${scratch}`, () =>
      rds.send(new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: scratch })),
    );
    outcome.endpoint = endpoint.DBClusters?.[0]?.Endpoint ?? "";
    outcome.port = endpoint.DBClusters?.[0]?.Port ?? source.port ?? 0;

    // 3. The check query.
    const checkStarted = Date.now();
    outcome.check = await options.check({ scratch, host: outcome.endpoint ?? "", port: outcome.port ?? 0 });
    outcome.phases.check = seconds(Date.now() - checkStarted);
    outcome.ok = outcome.check.ok !== false;
    if (!outcome.ok)
      throw new SlipwayError("DB_DRILL_FAILED", `AWS drill: the check query failed on ${scratch}: ${outcome.check.detail}`, {
        hint: "The restored database does not answer as the app's user or holds no table; that is what a real restore would give.",
      });
    return outcome;
  } catch (error) {
    outcome.ok = false;
    outcome.error = drillAwsError(error, "run the drill");
    return outcome;
  } finally {
    if (clusterRequested && outcome.scratchCluster?.startsWith(scratchPrefix)) {
      const instances = instanceRequested ? [scratchInstanceIdentifier(outcome.scratchCluster)] : [];
      outcome.deletion = await deleteScratch(sdk, rds, outcome.scratchCluster, instances, options.pollMs, progress);
      outcome.phases.total = seconds(now().getTime() - started.getTime());
    }
    rds.destroy();
  }
}

/**
 * Deletes the scratch instances, then the cluster (RDS refuses the cluster while an instance is not
 * yet deleting: retried a few times), neither with a final snapshot. Not interruptible. Each result
 * is what RDS said: "deleting", "gone", or the failure with the name to delete by hand.
 */
async function deleteScratch(
  sdk: RdsModule,
  rds: InstanceType<RdsModule["RDSClient"]>,
  scratch: string,
  instances: readonly string[],
  pollMs: number,
  progress: (line: string) => void,
): Promise<ScratchDeletion> {
  const deletion: ScratchDeletion = { instance: "not created", cluster: "" };
  const results: string[] = [];
  for (const id of instances) {
    try {
      const r = await rds.send(new sdk.DeleteDBInstanceCommand({ ...deleteInstanceRequest(scratch), DBInstanceIdentifier: id } as never));
      results.push(r.DBInstance?.DBInstanceStatus ?? "deleting");
    } catch (error) {
      results.push(notFound(error) ? "gone" : `failed (${awsErrorFacts(error).name}): delete ${id} by hand`);
    }
  }
  if (results.length > 0) deletion.instance = [...new Set(results)].join(", ");
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await rds.send(new sdk.DeleteDBClusterCommand(deleteClusterRequest(scratch) as never));
      deletion.cluster = r.DBCluster?.Status === "available" || !r.DBCluster?.Status ? "deleting" : r.DBCluster.Status;
      break;
    } catch (error) {
      const { name } = awsErrorFacts(error);
      if (notFound(error)) {
        deletion.cluster = "gone";
        break;
      }
      if (name === "InvalidDBClusterStateFault" && attempt < 20) {
        await new Promise((r) => setTimeout(r, Math.min(pollMs, 15_000)));
        continue;
      }
      deletion.cluster = `failed (${name || "error"}): delete ${scratch} by hand (aws rds delete-db-cluster --db-cluster-identifier ${scratch} --skip-final-snapshot)`;
      break;
    }
  }
  progress(`deleted the scratch instance (${deletion.instance}) and cluster ${scratch} (${deletion.cluster})`);
  return deletion;
}
