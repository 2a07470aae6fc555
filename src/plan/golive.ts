import type { AppModel } from "../model/app-model.js";
import type { KubeObject } from "../render/kubernetes/render-kubernetes.js";

/*
 * The go-live checklist (`slipway golive -e ENV`), evaluated against what slipway knows of the
 * environment: the model, the objects it renders, the deploy preflight's findings, the database's
 * backup and drill history and the release history. Pure: the CLI gathers the facts, this decides.
 * Each gate passes, fails or does not apply to the environment's target, with its evidence in words
 * and, unless it passes, one sentence on how to make it pass.
 */

export type GateStatus = "pass" | "fail" | "not-applicable";

export type GateId =
  | "check"
  | "backups"
  | "drill"
  | "alerts"
  | "tls"
  | "db-user"
  | "network-policy"
  | "scaling"
  | "resources"
  | "image-digest";

export interface Gate {
  id: GateId;
  title: string;
  status: GateStatus;
  evidence: string;
  hint?: string | undefined;
}

/** One entry of the database history (a backup, restore or drill), as the target records it. */
export interface DbEvent {
  action: string;
  ok: boolean;
  at: string;
  rtoSeconds?: unknown;
  [key: string]: unknown;
}

export interface GoliveFacts {
  /** The time the gates are evaluated at (ISO 8601): a drill's age is measured from it. */
  now: string;
  /** A successful drill must be at most this many days old. */
  maxDrillAgeDays: number;
  /** The deploy preflight: unwaived findings at high or above of what the environment deploys. */
  preflight: {
    checked: boolean;
    deploys?: string | undefined;
    findings: { ruleId: string; severity: string; object?: string | undefined; message: string }[];
    command: string;
  };
  /** The Kubernetes objects the environment deploys (render kubernetes), or undefined when it deploys none. */
  objects: readonly KubeObject[] | undefined;
  /** The database history of a target that runs its own database; undefined when the target does not. */
  dbHistory: readonly DbEvent[] | undefined;
  /**
   * The AWS drills (`slipway db drill` on an Aurora environment) recorded in .slipway/<env>/db-history;
   * undefined when the environment's database is not an Aurora cluster slipway can drill.
   */
  awsDrills?: readonly DbEvent[] | undefined;
  /** Image refs of the environment's successful releases, newest first; undefined when not known. */
  deployedImages: readonly string[] | undefined;
}

export interface GoliveResult {
  environment: string;
  ok: boolean;
  gates: Gate[];
}

const dayMs = 86_400_000;

export function evaluateGolive(model: AppModel, facts: GoliveFacts): GoliveResult {
  const kube = facts.objects !== undefined;
  const gates: Gate[] = [
    checkGate(facts),
    ...databaseGates(model, facts),
    alertsGate(model, kube),
    tlsGate(model, kube),
    dbUserGate(model),
    kindGate(model, facts, "network-policy"),
    scalingGate(model, facts),
    resourcesGate(model, facts),
    imageGate(model, facts),
  ];
  return { environment: model.environment, ok: gates.every((g) => g.status !== "fail"), gates };
}

const na = (id: GateId, title: string, evidence: string): Gate => ({ id, title, status: "not-applicable", evidence });

function checkGate(facts: GoliveFacts): Gate {
  const title = "no check finding at high or above";
  const { preflight } = facts;
  if (!preflight.checked) return na("check", title, `the environment deploys ${preflight.deploys ?? "nothing slipway checks"}`);
  if (preflight.findings.length === 0) return { id: "check", title, status: "pass", evidence: `${preflight.command}: no finding` };
  const shown = preflight.findings
    .slice(0, 3)
    .map((f) => `${f.ruleId} (${f.severity})${f.object ? ` on ${f.object}` : ""}`)
    .join(", ");
  const more = preflight.findings.length > 3 ? ` and ${preflight.findings.length - 3} more` : "";
  return {
    id: "check",
    title,
    status: "fail",
    evidence: `${preflight.findings.length} finding(s): ${shown}${more}`,
    hint: `Run \`${preflight.command}\` and fix or waive each finding.`,
  };
}

/**
 * A managed database's drill: passes on a successful AWS point-in-time drill within the age limit and
 * fails without one (as the local drill gate does): a production deploy needs a restore that was
 * proved recently, wherever the database runs.
 */
function managedDrillGate(model: AppModel, facts: GoliveFacts, title: string): Gate {
  if (facts.awsDrills === undefined)
    return na(
      "drill",
      title,
      "slipway drills only databases it runs itself (local target) and Aurora clusters; drill this one with its provider",
    );
  const now = Date.parse(facts.now);
  const last = facts.awsDrills
    .filter((e) => e.action === "drill" && e.ok === true && Number.isFinite(Date.parse(e.at)))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  const command = `slipway db drill -e ${model.environment}`;
  const hint = `Run \`${command}\` (a point-in-time restore into a scratch cluster, deleted afterwards).`;
  if (!last)
    return {
      id: "drill",
      title,
      status: "fail",
      evidence: `no successful AWS drill recorded in .slipway/${model.environment}/db-history`,
      hint,
    };
  const days = Math.floor(Math.max(0, now - Date.parse(last.at)) / dayMs);
  const measured = [
    typeof last.rtoSeconds === "number" ? `RTO ${last.rtoSeconds} s` : undefined,
    typeof last.rpoSeconds === "number" ? `RPO ${last.rpoSeconds} s` : undefined,
  ].filter(Boolean);
  const evidence = `last AWS point-in-time drill ${last.at} (${days} day(s) ago${measured.length > 0 ? `, ${measured.join(", ")}` : ""}; check query not run)`;
  return now - Date.parse(last.at) <= facts.maxDrillAgeDays * dayMs
    ? { id: "drill", title, status: "pass", evidence }
    : { id: "drill", title, status: "fail", evidence: `${evidence}: older than ${facts.maxDrillAgeDays} day(s)`, hint };
}

function databaseGates(model: AppModel, facts: GoliveFacts): Gate[] {
  const backupsTitle = "database backups configured";
  const drillTitle = `a successful restore drill within ${facts.maxDrillAgeDays} day(s)`;
  const db = model.database;
  if (!db) return [na("backups", backupsTitle, "the spec has no database"), na("drill", drillTitle, "the spec has no database")];
  if (facts.dbHistory === undefined) {
    // A managed database (RDS/Aurora from `render terraform`): its provider keeps the backups the spec asks for.
    const backups: Gate =
      db.backupRetentionDays > 0
        ? {
            id: "backups",
            title: backupsTitle,
            status: "pass",
            evidence: `automated backups kept ${db.backupRetentionDays} day(s) (database.backups.retentionDays)`,
          }
        : {
            id: "backups",
            title: backupsTitle,
            status: "fail",
            evidence: "database.backups.retentionDays is 0: no automated backups",
            hint: "Set database.backups.retentionDays to at least 1 (7 or more for production).",
          };
    return [backups, managedDrillGate(model, facts, drillTitle)];
  }
  const ok = (action: string) =>
    facts.dbHistory
      ?.filter((e) => e.action === action && e.ok === true && Number.isFinite(Date.parse(e.at)))
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at)) ?? [];
  const now = Date.parse(facts.now);
  const age = (at: string) => `${Math.floor(Math.max(0, now - Date.parse(at)) / dayMs)} day(s) ago`;
  const lastBackup = ok("backup")[0];
  const backups: Gate = lastBackup
    ? { id: "backups", title: backupsTitle, status: "pass", evidence: `last backup ${lastBackup.at} (${age(lastBackup.at)})` }
    : {
        id: "backups",
        title: backupsTitle,
        status: "fail",
        evidence: "no successful backup in the database history",
        hint: `Run \`slipway db backup -e ${model.environment}\` (and schedule it).`,
      };
  const lastDrill = ok("drill")[0];
  const drillHint = `Run \`slipway db drill -e ${model.environment}\` after a backup.`;
  let drill: Gate;
  if (!lastDrill) {
    drill = {
      id: "drill",
      title: drillTitle,
      status: "fail",
      evidence: "no successful restore drill in the database history",
      hint: drillHint,
    };
  } else {
    const rto = typeof lastDrill.rtoSeconds === "number" ? `, RTO ${lastDrill.rtoSeconds} s` : "";
    const evidence = `last successful drill ${lastDrill.at} (${age(lastDrill.at)}${rto})`;
    drill =
      now - Date.parse(lastDrill.at) <= facts.maxDrillAgeDays * dayMs
        ? { id: "drill", title: drillTitle, status: "pass", evidence }
        : {
            id: "drill",
            title: drillTitle,
            status: "fail",
            evidence: `${evidence}: older than ${facts.maxDrillAgeDays} day(s)`,
            hint: drillHint,
          };
  }
  return [backups, drill];
}

function alertsGate(model: AppModel, kube: boolean): Gate {
  const title = "SLO alerts defined";
  if (!kube) return na("alerts", title, "render observability renders alerts for Kubernetes environments");
  if (model.slo)
    return {
      id: "alerts",
      title,
      status: "pass",
      evidence: `slo: ${model.slo.availabilityPercent}% over ${model.slo.windowDays} days${model.slo.latencyP99Ms !== undefined ? `, p99 ≤ ${model.slo.latencyP99Ms} ms` : ""}`,
    };
  return {
    id: "alerts",
    title,
    status: "fail",
    evidence: "the spec has no slo block: no burn-rate alert would fire",
    hint: `Add an slo block (availability, window) and apply \`slipway render observability -e ${model.environment}\`.`,
  };
}

function tlsGate(model: AppModel, kube: boolean): Gate {
  const title = "TLS on the public endpoint";
  if (!kube) return na("tls", title, "the environment is not a Kubernetes one");
  if (!model.ingress) return na("tls", title, "no ingress: the app is not exposed outside the cluster");
  if (model.ingress.tls)
    return { id: "tls", title, status: "pass", evidence: `ingress ${model.ingress.host} serves HTTPS (${model.ingress.class})` };
  return {
    id: "tls",
    title,
    status: "fail",
    evidence: `ingress ${model.ingress.host} has tls: false`,
    hint: "Set ingress.tls: true (with a certificate or cluster issuer).",
  };
}

function dbUserGate(model: AppModel): Gate {
  const title = "the app connects as a least-privilege database user";
  const db = model.database;
  if (!db) return na("db-user", title, "the spec has no database");
  if (db.user !== db.adminUser)
    return { id: "db-user", title, status: "pass", evidence: `the app connects as ${db.user}; only the setup phase uses ${db.adminUser}` };
  return {
    id: "db-user",
    title,
    status: "fail",
    evidence: `the app connects as the admin user ${db.adminUser}`,
    hint: "Give database.user a name other than the admin user's.",
  };
}

const kinds = (facts: GoliveFacts, kind: string) =>
  (facts.objects ?? []).filter((o) => o.kind === kind).map((o) => `${kind}/${o.metadata.name}`);

function kindGate(_model: AppModel, facts: GoliveFacts, id: "network-policy"): Gate {
  const title = "a NetworkPolicy limits who reaches the app";
  if (!facts.objects) return na(id, title, "the environment is not a Kubernetes one");
  const found = kinds(facts, "NetworkPolicy");
  if (found.length > 0) return { id, title, status: "pass", evidence: `rendered ${found.join(", ")}` };
  return {
    id,
    title,
    status: "fail",
    evidence: "no NetworkPolicy is rendered",
    hint: "Set app.allowFrom and app.egress so that a NetworkPolicy is rendered.",
  };
}

function scalingGate(model: AppModel, facts: GoliveFacts): Gate {
  const title = "an autoscaler and a disruption budget when it scales";
  if (!facts.objects) return na("scaling", title, "the environment is not a Kubernetes one");
  if (model.replicas.max <= 1) return na("scaling", title, "scale.max is 1: one replica");
  const found = [...kinds(facts, "HorizontalPodAutoscaler"), ...kinds(facts, "PodDisruptionBudget")];
  const missing = ["HorizontalPodAutoscaler", "PodDisruptionBudget"].filter((k) => !found.some((f) => f.startsWith(`${k}/`)));
  if (missing.length === 0)
    return {
      id: "scaling",
      title,
      status: "pass",
      evidence: `scale ${model.replicas.min}–${model.replicas.max}: rendered ${found.join(", ")}`,
    };
  return {
    id: "scaling",
    title,
    status: "fail",
    evidence: `scale ${model.replicas.min}–${model.replicas.max} but no ${missing.join(" or ")} is rendered`,
    hint: "Set app.scale.min below app.scale.max with a cpu or memory target, and min of at least 2 for a disruption budget.",
  };
}

function resourcesGate(_model: AppModel, facts: GoliveFacts): Gate {
  const title = "every container requests CPU and memory";
  if (!facts.objects) return na("resources", title, "the environment is not a Kubernetes one");
  const missing: string[] = [];
  const shown: string[] = [];
  for (const o of facts.objects) {
    const pod = podSpec(o);
    if (!pod) continue;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const requests = c.resources?.requests ?? {};
      if (!requests.cpu || !requests.memory) missing.push(`${o.kind}/${o.metadata.name} container ${c.name}`);
      else shown.push(`${o.kind}/${o.metadata.name} ${c.name}: cpu ${requests.cpu}, memory ${requests.memory}`);
    }
  }
  if (missing.length === 0)
    return { id: "resources", title, status: "pass", evidence: shown.length > 0 ? shown.join("; ") : "no container is rendered" };
  return {
    id: "resources",
    title,
    status: "fail",
    evidence: `no CPU or memory request: ${missing.join(", ")}`,
    hint: "Set app.resources (cpu, memory).",
  };
}

interface PodSpecShape {
  containers?: { name: string; resources?: { requests?: Record<string, string> } }[];
  initContainers?: { name: string; resources?: { requests?: Record<string, string> } }[];
}

function podSpec(o: KubeObject): PodSpecShape | undefined {
  const spec = o.spec as
    | { template?: { spec?: PodSpecShape }; jobTemplate?: { spec?: { template?: { spec?: PodSpecShape } } } }
    | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}

function imageGate(model: AppModel, facts: GoliveFacts): Gate {
  const title = "the image is deployed by digest";
  if (!facts.objects)
    return na(
      "image-digest",
      title,
      model.target.type === "host"
        ? "not gated on the host target yet: the server runs the image by the reference deployed (a build copied from this machine has no registry digest)"
        : "the environment runs the app's folder, not an image",
    );
  if (model.image.digest) return { id: "image-digest", title, status: "pass", evidence: `deploys ${model.image.ref}` };
  const deployed = facts.deployedImages?.[0];
  if (deployed?.includes("@sha256:"))
    return { id: "image-digest", title, status: "pass", evidence: `the last release deployed ${deployed}` };
  return {
    id: "image-digest",
    title,
    status: "fail",
    evidence: deployed
      ? `the last release deployed ${deployed}, a tag`
      : `the spec names ${model.image.ref}, a tag, and ${facts.deployedImages === undefined ? "the release history could not be read" : "no release deployed a digest"}`,
    hint: `Deploy with \`slipway deploy -e ${model.environment} --build\` or \`--digest sha256:…\`, or pin the digest in app.image.`,
  };
}

/**
 * What `slipway deploy` does with the gates of an environment marked `production: true`: go on when
 * none fails; stop when one does; with --force, go on and name the gates it overrode (the release
 * record keeps them).
 */
export type DeployGateDecision =
  | { action: "proceed" }
  | { action: "blocked"; failed: Gate[] }
  | { action: "overridden"; failed: Gate[]; overriddenGates: GateId[] };

export function deployGateDecision(result: GoliveResult, force: boolean): DeployGateDecision {
  const failed = result.gates.filter((g) => g.status === "fail");
  if (failed.length === 0) return { action: "proceed" };
  return force ? { action: "overridden", failed, overriddenGates: failed.map((g) => g.id) } : { action: "blocked", failed };
}
