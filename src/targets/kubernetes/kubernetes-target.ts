/**
 * The Kubernetes target: server-side apply in dependency order, release Jobs with per-revision
 * names, a rollout gate that fails on the first conclusive signal, and rollback by re-applying the
 * previous release's stored objects.
 */
import { DeployFailure, type DeployTarget, type ReleaseContext } from "../../deploy/engine.js";
import type { FailureClass, PhaseName, Reporter } from "../../deploy/events.js";
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import type { KubeApi, KubeObject } from "../../effects/kube/kube-api.js";
import { isKubeError, KubeApplyConflictError } from "../../effects/kube/kube-error.js";
import type { AppModel } from "../../model/app-model.js";
import { databaseUrl } from "../../render/database-url.js";
import { phaseLabel, renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import { fingerprintSecrets } from "../../secrets/fingerprint.js";
import { Redactor } from "../../secrets/redact.js";
import { clusterFingerprintKey, secretDataValues } from "./cluster-secrets.js";
import type { KubeHistory } from "./kube-history.js";
import { describeMissing, missingSecrets, secretRefs } from "./secret-refs.js";
import { deploymentVerdict } from "./waiters/apps-v1-deployment.js";
import { jobVerdict } from "./waiters/batch-v1-job.js";
import { engineFailureClass } from "./waiters/engine-failure-class.js";
import type { DeploymentLike, JobLike, PodLike, ReplicaSetLike } from "./waiters/kube-objects.js";
import type { WaitEvidence, WaitVerdict } from "./waiters/types.js";

export interface KubernetesTargetOptions {
  api: KubeApi;
  /** Where each release's rendered objects are kept (rollback re-applies them). */
  history: KubeHistory;
  /** Default `slipway`. */
  fieldManager?: string;
  /** Take over fields other managers own (`--force-conflicts`); default false. */
  forceConflicts?: boolean;
  /**
   * Values of the app's secrets when the environment's secretSource is `env` or `env-file`: slipway
   * writes them to the app's Secret (model.secrets.secretName) before anything reads it. Other
   * sources (kubernetes-secret, aws-secrets-manager) leave this undefined.
   */
  secretValues?: Readonly<Record<string, string>>;
  /**
   * Collects every secret value the target writes or reads (the app's Secret, the Secrets its pods
   * read), so the engine's events and records are redacted of them. Default: a new one.
   */
  redactor?: Redactor;
  /** How long to wait for Secrets that a rendered ExternalSecret creates; default 60 s. */
  externalSecretsMs?: number;
  /** Jobs and rollouts are watched; this is the fallback poll interval. Default 1000 ms. */
  pollMs?: number;
  timeouts?: {
    /** A release Job; default 30 min (the Job's activeDeadlineSeconds). */
    jobMs?: number;
    /** A rollout (and the rollback's); default 10 min. */
    rolloutMs?: number;
  };
}

/** Marks a database Secret whose `url` key slipway composed (and may recompose). */
export const composedUrlAnnotation = "slipway.dev/composed-url";

/** Apply order: lower first. Jobs are absent: runCommand runs them. */
const APPLY_RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  ServiceAccount: 1,
  ConfigMap: 1,
  ExternalSecret: 1,
  Deployment: 2,
  Service: 3,
  Ingress: 3,
  HorizontalPodAutoscaler: 3,
  PodDisruptionBudget: 3,
  NetworkPolicy: 3,
  ServiceMonitor: 3,
};

/** What must exist before a release Job can start (its namespace, service account and config). */
const FOUNDATION_RANK = 1;

/** A collection whose changes wake an observation loop. */
interface Watched {
  apiVersion: string;
  kind: string;
  namespace: string;
  labelSelector: string;
}

/** `Kind/name`. */
export function objectRef(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/**
 * The release Jobs a revision ran, in the order they run, from its stored objects: their rendered
 * names (render/kubernetes releaseJobName, per image and command). Releases recorded before Jobs
 * were named that way stored `<app>-<phase>` and ran as `<app>-<phase>-r<revision>`.
 */
export function releaseJobNamesOf(objects: readonly KubeObject[], revision: number): string[] {
  const app = objects.find((o) => o.kind === "Deployment")?.metadata.name ?? "";
  const names: string[] = [];
  for (const phase of ["setup", "migrate"] as const) {
    const job = objects.find((o) => o.kind === "Job" && o.metadata.labels?.[phaseLabel] === phase);
    if (job !== undefined) names.push(jobRunName(job, app, phase, revision));
  }
  return names;
}

function jobRunName(job: KubeObject, app: string, phase: "setup" | "migrate", revision: number): string {
  return job.metadata.name === `${app}-${phase}` ? `${job.metadata.name}-r${revision}` : job.metadata.name;
}

/** Objects to apply in order (Jobs excluded), optionally only up to `maxRank`. */
export function applyOrder(objects: readonly KubeObject[], maxRank = Number.POSITIVE_INFINITY): KubeObject[] {
  return objects
    .filter((o) => o.kind !== "Job")
    .map((o, index) => ({ o, index, rank: APPLY_RANK[o.kind] ?? 3 }))
    .filter((x) => x.rank <= maxRank)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((x) => x.o);
}

export function kubernetesTarget(options: KubernetesTargetOptions): DeployTarget {
  const { api, history } = options;
  const fieldManager = options.fieldManager ?? "slipway";
  const pollMs = options.pollMs ?? 1000;
  const jobMs = options.timeouts?.jobMs ?? 30 * 60_000;
  const rolloutMs = options.timeouts?.rolloutMs ?? 10 * 60_000;
  const rendered = new Map<number, KubeObject[]>();
  let current: KubeObject[] | undefined;

  const objectsOf = (ctx: ReleaseContext): KubeObject[] => {
    let objects = rendered.get(ctx.revision);
    if (objects === undefined) {
      objects = renderKubernetes(ctx.model) as KubeObject[];
      rendered.set(ctx.revision, objects);
    }
    return objects;
  };

  const skippedSaid = new Set<string>();

  const applyAll = async (
    environment: string,
    objects: readonly KubeObject[],
    phase: PhaseName,
    reporter: Reporter,
    force: boolean,
  ): Promise<string[]> => {
    const applied: string[] = [];
    for (const object of objects) {
      if ((await api.discover(object.apiVersion, object.kind)) === undefined) {
        // Said once per deploy, not again when a rollback applies the same objects.
        if (!skippedSaid.has(objectRef(object))) {
          skippedSaid.add(objectRef(object));
          reporter.emit({
            type: "waiting",
            phase,
            message: `skipped ${objectRef(object)}: ${object.kind} (${object.apiVersion}) is not installed in the cluster`,
          });
        }
        continue;
      }
      try {
        await api.apply(object, { fieldManager, force });
      } catch (error) {
        if (!(error instanceof KubeApplyConflictError)) throw error;
        const fields = error.conflicts.map((c) => `${c.field} (owned by ${c.manager})`).join(", ");
        throw new DeployFailure({
          class: "apply-conflict",
          message: `deploy ${environment}: apply ${objectRef(object)}: conflicts with field manager ${error.managers.join(", ")}: ${fields}; pass --force-conflicts to take them over`,
          evidence: { detail: error.message },
        });
      }
      applied.push(objectRef(object));
    }
    return applied;
  };

  /** Observes until the verdict is done; undefined on timeout. */
  const observe = async (
    phase: PhaseName,
    reporter: Reporter,
    timeoutMs: number,
    look: () => Promise<WaitVerdict>,
    watched: readonly Watched[] = [],
  ): Promise<WaitVerdict | undefined> => {
    const deadline = Date.now() + timeoutMs;
    const stop = new AbortController();
    let wake: () => void = () => undefined;
    let changed = false;
    const onEvent = () => {
      changed = true;
      wake();
    };
    // Watch events wake the loop at once; the poll stays as a fallback when a watch breaks.
    for (const w of watched) {
      api.watch(w.apiVersion, w.kind, w.namespace, { labelSelector: w.labelSelector }, onEvent, stop.signal).catch(() => undefined);
    }
    let said = "";
    try {
      for (;;) {
        changed = false;
        const verdict = await look();
        if (verdict.done) return verdict;
        if (verdict.reason !== said) reporter.emit({ type: "waiting", phase, message: verdict.reason });
        said = verdict.reason;
        if (Date.now() >= deadline) return undefined;
        if (!changed) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        wake = () => undefined;
      }
    } finally {
      stop.abort();
    }
  };

  /** Values of the Secrets this run's pods read: every log line that leaves slipway is scrubbed of them. */
  const redactor = (options.redactor ?? new Redactor()).add(Object.values(options.secretValues ?? {}));
  const redact = (text: string) => redactor.text(text);
  /** The environment's fingerprint key, read (or created) once a Secret's content is to be recorded. */
  let fingerprintKey: Promise<Buffer | undefined> | undefined;

  /**
   * Adds what explains a failure: the failed container's last log lines (secrets redacted; the
   * previous instance first, as a crash loop's current one has barely started) and the events about
   * the pod. kwok serves no logs unless the test cluster maps them to a file.
   */
  const withDiagnostics = async (namespace: string, evidence: WaitEvidence): Promise<WaitEvidence> => {
    if (evidence.pod === undefined) return evidence;
    let out: WaitEvidence = evidence;
    for (const previous of [true, false]) {
      try {
        const text = await api.podLogs(namespace, evidence.pod, evidence.container, { tailLines: 20, previous });
        const lines = text.split("\n").filter((line) => line !== "");
        if (lines.length === 0 && previous) continue;
        out = { ...out, logTail: lines.map(redact) };
        break;
      } catch (error) {
        if (!isKubeError(error)) throw error;
      }
    }
    try {
      const events = await api.list("v1", "Event", namespace, { fieldSelector: `involvedObject.name=${evidence.pod}` });
      const lines = (events.items as EventLike[])
        .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
        .slice(-10)
        .map((e) =>
          redact(`${e.type ?? "Normal"} ${e.reason ?? ""}: ${e.message ?? ""}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ""}`.trim()),
        );
      if (lines.length > 0) out = { ...out, events: lines };
    } catch (error) {
      if (!isKubeError(error)) throw error;
    }
    return out;
  };

  const rolloutVerdict = async (model: AppModel, name: string): Promise<WaitVerdict> => {
    const deployment = await api.get("apps/v1", "Deployment", model.namespace, name);
    if (deployment === undefined) return { done: false, ok: false, reason: `waiting for deployment/${name} to exist`, evidence: {} };
    const matchLabels = ((deployment.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ??
      {}) as Record<string, string>;
    const labelSelector = Object.entries(matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const [replicaSets, pods] = await Promise.all([
      api.list("apps/v1", "ReplicaSet", model.namespace, { labelSelector }),
      api.list("v1", "Pod", model.namespace, { labelSelector }),
    ]);
    return deploymentVerdict(deployment as DeploymentLike, replicaSets.items as ReplicaSetLike[], pods.items as PodLike[], {
      now: Date.now(),
      readinessThresholdMs: model.health.startup.timeoutSeconds * 1000,
    });
  };

  const waitRollout = async (ctx: ReleaseContext, phase: PhaseName, what: string): Promise<void> => {
    const { model } = ctx;
    const selector = (component: string) => `app.kubernetes.io/instance=${model.name},app.kubernetes.io/component=${component}`;
    const ns = model.namespace;
    const verdict = await observe(phase, ctx.reporter, rolloutMs, () => rolloutVerdict(model, model.name), [
      { apiVersion: "apps/v1", kind: "Deployment", namespace: ns, labelSelector: selector("web") },
      { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: ns, labelSelector: selector("web") },
      { apiVersion: "v1", kind: "Pod", namespace: ns, labelSelector: selector("web") },
    ]);
    const prefix = `deploy ${model.environment}: ${what} of deployment/${model.name}`;
    if (verdict === undefined) {
      throw new DeployFailure({ class: "health-timeout", message: `${prefix}: not available after ${rolloutMs} ms`, evidence: {} });
    }
    if (verdict.ok) return;
    const failureClass: FailureClass = "failureClass" in verdict ? engineFailureClass(verdict.failureClass) : "health-failed";
    throw new DeployFailure({
      class: failureClass,
      message: `${prefix}: ${verdict.reason}`,
      evidence: await withDiagnostics(model.namespace, verdict.evidence),
    });
  };

  const rollBack = async (ctx: ReleaseContext): Promise<void> => {
    const { model, previous, reporter } = ctx;
    if (previous === undefined) {
      // Nothing served before: remove the workload rather than leave a broken one running.
      await api.delete("apps/v1", "Deployment", model.namespace, model.name);
      return;
    }
    const objects = await history.objects(previous.revision);
    if (objects === undefined) {
      throw new DeployFailure({
        class: "switch-failed",
        message: `deploy ${model.environment}: rollback: revision ${previous.revision} has no stored objects`,
        evidence: {},
      });
    }
    await applyAll(model.environment, applyOrder(objects), "rollback", reporter, true);
    current = objects;
    await waitRollout(ctx, "rollback", "rollback");
  };

  const foundationApplied = new Set<number>();
  /** Keyed fingerprint of each Secret the release reads, for the record: a changed Secret shows in history, its values never do. */
  const secretDigests = new Map<string, string>();

  /**
   * Before anything reads them: the namespace, service account, config and ExternalSecrets; the
   * app's Secret when slipway holds its values; then every Secret key the pod templates read must
   * exist (a missing key fails the deploy here, naming it, instead of a pod stuck in
   * CreateContainerConfigError). Once per revision.
   */
  const ensureFoundation = async (ctx: ReleaseContext, phase: PhaseName): Promise<void> => {
    if (foundationApplied.has(ctx.revision)) return;
    const { model, reporter } = ctx;
    const objects = objectsOf(ctx);
    await applyAll(model.environment, applyOrder(objects, FOUNDATION_RANK), phase, reporter, options.forceConflicts ?? false);
    if (options.secretValues !== undefined && model.secrets.names.length > 0) {
      await api.apply(appSecret(model, options.secretValues), { fieldManager, force: true });
      reporter.emit({
        type: "waiting",
        phase,
        message: `wrote secret/${model.secrets.secretName} (${model.secrets.names.length} keys, values not shown)`,
      });
    }
    // The setup Job runs on the first deploy only: later deploys do not need the admin Secret.
    const runs = (o: KubeObject) => o.kind !== "Job" || o.metadata.labels?.[phaseLabel] !== "setup" || ctx.previous === undefined;
    await composeDatabaseUrls(
      ctx,
      objects.some((o) => o.kind === "Job" && o.metadata.labels?.[phaseLabel] === "setup" && runs(o)),
      phase,
    );
    await verifySecrets(ctx, objects.filter(runs), phase);
    foundationApplied.add(ctx.revision);
  };

  /**
   * DATABASE_URL reaches pods from the database Secret's `url` key. A team's Secret holds `host` and
   * `password`; slipway composes `url` from them (password percent-encoded) and writes that one key,
   * marked as composed, so a later deploy recomposes it after a password change. A `url` the team
   * wrote itself (no mark) is left alone. External Secrets sources compose it in their template.
   */
  const composeDatabaseUrls = async (ctx: ReleaseContext, setupRuns: boolean, phase: PhaseName): Promise<void> => {
    const { model, reporter } = ctx;
    const db = model.database;
    if (db === undefined || model.secrets.source.kind === "aws-secrets-manager") return;
    const read = async (name: string): Promise<KubeObject | undefined> => {
      try {
        return await api.get("v1", "Secret", model.namespace, name);
      } catch (error) {
        // Unreadable Secrets are verifySecrets' to report.
        if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") return undefined;
        throw error;
      }
    };
    const value = (secret: KubeObject | undefined, key: string): string | undefined => {
      const encoded = (secret?.data as Record<string, string> | undefined)?.[key];
      return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
    };
    const appSecretObject = await read(db.secretName);
    const host = value(appSecretObject, "host");
    if (host === undefined) return;
    const wanted = [{ name: db.secretName, user: db.user, secret: appSecretObject }];
    if (setupRuns) wanted.push({ name: db.adminSecretName, user: db.adminUser, secret: await read(db.adminSecretName) });
    for (const { name, user, secret } of wanted) {
      const password = value(secret, "password");
      if (secret === undefined || password === undefined) continue;
      const existing = value(secret, "url");
      if (existing !== undefined && secret.metadata.annotations?.[composedUrlAnnotation] === undefined) continue;
      const url = databaseUrl({ scheme: db.urlScheme, user, password, host, port: db.port, name: db.name });
      redactor.add([url]);
      if (existing === url) continue;
      try {
        await api.apply(
          {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name, namespace: model.namespace, annotations: { [composedUrlAnnotation]: "from host and password" } },
            data: { url: Buffer.from(url, "utf8").toString("base64") },
          },
          { fieldManager, force: true },
        );
      } catch (error) {
        if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") continue;
        throw error;
      }
      reporter.emit({
        type: "waiting",
        phase,
        message: `wrote key url of secret/${name} (DATABASE_URL composed from its host and password, values not shown)`,
      });
    }
  };

  const verifySecrets = async (ctx: ReleaseContext, objects: readonly KubeObject[], phase: PhaseName): Promise<void> => {
    const { model, reporter } = ctx;
    const refs = secretRefs(objects);
    if (refs.length === 0) return;
    // Secrets an ExternalSecret of this release creates may take a moment to appear.
    const external = new Set(objects.filter((o) => o.kind === "ExternalSecret").map((o) => o.metadata.name));
    const externalInstalled = external.size > 0 && (await api.discover("external-secrets.io/v1", "ExternalSecret")) !== undefined;
    const unreadable = new Set<string>();
    const look = async () => {
      const existing = new Map<string, Set<string> | undefined>();
      for (const ref of refs) {
        if (unreadable.has(ref.name)) continue;
        let secret: KubeObject | undefined;
        try {
          secret = await api.get("v1", "Secret", model.namespace, ref.name);
        } catch (error) {
          // A deployer allowed to run pods but not to read Secrets: deploy anyway, unchecked, and say so.
          if (!isKubeError(error) || error.code !== "KUBE_FORBIDDEN") throw error;
          unreadable.add(ref.name);
          reporter.emit({
            type: "waiting",
            phase,
            message: `cannot read secret/${ref.name} (forbidden): its keys are not checked before rollout, and its values cannot be redacted from logs`,
          });
          continue;
        }
        const data = { ...((secret?.data ?? {}) as Record<string, string>) };
        existing.set(ref.name, secret === undefined ? undefined : new Set(Object.keys(data)));
        redactor.add(secretDataValues(data));
        if (secret !== undefined) {
          fingerprintKey ??= clusterFingerprintKey(
            api,
            { namespace: model.namespace, app: model.name, environment: model.environment, fieldManager },
            { create: true },
          );
          const key = await fingerprintKey;
          if (key !== undefined) secretDigests.set(ref.name, fingerprintSecrets(key, data));
        }
      }
      return missingSecrets(
        refs.filter((r) => !unreadable.has(r.name)),
        existing,
      );
    };
    let missing = await look();
    if (missing.length > 0 && externalInstalled && missing.every((m) => external.has(m.name))) {
      const verdict = await observe(
        phase,
        reporter,
        options.externalSecretsMs ?? 60_000,
        async () => {
          missing = await look();
          return missing.length === 0
            ? { done: true, ok: true, reason: "secrets present", evidence: {} }
            : {
                done: false,
                ok: false,
                reason: `waiting for External Secrets to create ${missing.map((m) => `secret/${m.name}`).join(", ")}`,
                evidence: {},
              };
        },
        [{ apiVersion: "v1", kind: "Secret", namespace: model.namespace, labelSelector: "" }],
      );
      if (verdict?.ok) return;
    }
    if (missing.length === 0) return;
    // slipway composes a database Secret's url itself once host and password are there.
    const databaseSecrets = new Set([model.database?.secretName, model.database?.adminSecretName]);
    const composes = (name: string) => databaseSecrets.has(name) && model.secrets.source.kind !== "aws-secrets-manager";
    const create = missing
      .map(
        (m) =>
          `kubectl -n ${model.namespace} create secret generic ${m.name} ${(
            m.missingKeys ??
            refs.find((r) => r.name === m.name)?.keys ??
            []
          )
            .filter((k) => k !== "url" || !composes(m.name))
            .map((k) => `--from-literal=${k}=…`)
            .join(" ")}`,
      )
      .join("; ");
    const fromExternal = missing.filter((m) => external.has(m.name)).map((m) => `secret/${m.name}`);
    const detail =
      fromExternal.length > 0
        ? externalInstalled
          ? `External Secrets did not create ${fromExternal.join(", ")} within ${(options.externalSecretsMs ?? 60_000) / 1000} s: see \`kubectl -n ${model.namespace} describe externalsecret\` (store, remote keys, IAM).`
          : `External Secrets is not installed in this cluster (no external-secrets.io/v1 ExternalSecret), so nothing creates ${fromExternal.join(", ")}. Install it, or create ${fromExternal.length > 1 ? "them" : "it"} yourself: ${create}`
        : `Nothing was changed for the workload. Create ${missing.length > 1 ? "them" : "it"} (or fix secretSource), then deploy again: ${create}${
            model.database !== undefined &&
            missing.some((m) => m.name === model.database?.secretName || m.name === model.database?.adminSecretName)
              ? ". A database Secret needs host and password (the admin one: password); slipway adds url, the composed DATABASE_URL, itself: see docs/app-contract.md"
              : ""
          }`;
    throw new DeployFailure({
      class: "config-error",
      message: `deploy ${model.environment}: ${describeMissing(model.namespace, missing)}`,
      evidence: { detail },
    });
  };

  /**
   * The engine does not call abandon when a release Job fails (nothing was started), but the Job
   * needed this release's config applied: put the previous release's back.
   */
  const restoreFoundation = async (ctx: ReleaseContext): Promise<void> => {
    if (ctx.previous === undefined) return;
    const objects = await history.objects(ctx.previous.revision);
    if (objects === undefined) return;
    await applyAll(ctx.model.environment, applyOrder(objects, FOUNDATION_RANK), "rollback", ctx.reporter, true);
  };

  return {
    name: "kubernetes",

    url(model) {
      if (model.ingress) return `${model.ingress.tls ? "https" : "http"}://${model.ingress.host}`;
      return `http://${model.name}.${model.namespace}.svc`;
    },

    async recover(store, reporter, model) {
      // The engine holds the lock: anything still in progress belongs to a deploy that died.
      const records = await store.list();
      const good = currentRelease(records);
      let restore = false;
      for (const record of records) {
        if (record.outcome !== "in-progress") continue;
        await store.put({ ...record, outcome: "interrupted", finishedAt: new Date().toISOString() });
        reporter.emit({ type: "recovered", revision: record.revision, action: "marked interrupted (its deploy was killed)" });
        // It had applied its objects (start records them): the workload may be half rolled out to it.
        if (good !== undefined && record.revision > good.revision && Array.isArray(record.runtime.objects)) restore = true;
      }
      if (!restore || good === undefined) return;
      const objects = await history.objects(good.revision);
      if (objects === undefined) return;
      const ctx: ReleaseContext = { model, revision: good.revision, previous: good, rollbackOf: undefined, reporter };
      try {
        await applyAll(model.environment, applyOrder(objects), "recover", reporter, true);
        current = objects;
        await waitRollout(ctx, "recover", "restore");
      } catch (error) {
        // The new deploy may be the fix: say so and go on rather than block it.
        reporter.emit({
          type: "waiting",
          phase: "recover",
          message: `could not put revision ${good.revision} back (${error instanceof Error ? error.message : String(error)}); deploying the new release anyway`,
        });
        return;
      }
      reporter.emit({
        type: "recovered",
        revision: good.revision,
        action: `put revision ${good.revision}'s objects back (a killed deploy had started rolling out a newer one)`,
      });
    },

    async prepare(ctx) {
      if (ctx.rollbackOf !== undefined) {
        // `rollback --to N` re-applies exactly what revision N applied.
        const earlier = await history.objects(ctx.rollbackOf.revision);
        if (earlier === undefined) throw new Error(`revision ${ctx.rollbackOf.revision} has no stored objects to roll back to`);
        rendered.set(ctx.revision, earlier);
        history.setObjects(ctx.revision, earlier);
        return ctx.rollbackOf.artifact;
      }
      const objects = objectsOf(ctx);
      history.setObjects(ctx.revision, objects);
      return { kind: "image", ref: ctx.model.image.ref };
    },

    async ensureDatabase(ctx) {
      return { firstTime: ctx.previous === undefined };
    },

    async runCommand(ctx, phase) {
      const { model, revision, reporter } = ctx;
      const objects = objectsOf(ctx);
      const rendered = objects.find((o) => o.kind === "Job" && o.metadata.labels?.[phaseLabel] === phase);
      const failureClass = phase === "setup" ? "setup-failed" : "migration-failed";
      const name = rendered === undefined ? `${model.name}-${phase}` : jobRunName(rendered, model.name, phase, revision);
      const prefix = `deploy ${model.environment}: ${phase} job/${name}`;
      if (rendered === undefined) {
        throw new DeployFailure({ class: failureClass, message: `${prefix}: the release renders no ${phase} Job`, evidence: {} });
      }
      const phaseName: PhaseName = phase;
      await ensureFoundation(ctx, phaseName);
      const job: KubeObject = { ...rendered, metadata: { ...rendered.metadata, name } };
      // Adopt-or-replace: a Job left by an interrupted run of this revision is deleted, never reused half-done.
      if (await api.delete("batch/v1", "Job", model.namespace, name, { propagationPolicy: "Background" })) {
        reporter.emit({ type: "waiting", phase: phaseName, message: `replacing job/${name} left by an interrupted run` });
        const gone = await observe(phaseName, reporter, 60_000, async () =>
          (await api.get("batch/v1", "Job", model.namespace, name)) === undefined
            ? { done: true, ok: true, reason: "gone", evidence: {} }
            : { done: false, ok: false, reason: `waiting for the old job/${name} to be deleted`, evidence: {} },
        );
        if (gone === undefined)
          throw new DeployFailure({ class: failureClass, message: `${prefix}: the old Job is not going away`, evidence: {} });
      }
      await api.apply(job, { fieldManager, force: true });
      // The Job's output as it runs (each pod once it has started), secrets redacted.
      const streaming = new AbortController();
      const streamed = new Set<string>();
      const follow = (pods: readonly KubeObject[]) => {
        if (api.podLogsStream === undefined) return;
        for (const pod of pods) {
          const podPhase = (pod.status as { phase?: string } | undefined)?.phase;
          if (podPhase === undefined || podPhase === "Pending" || streamed.has(pod.metadata.name)) continue;
          streamed.add(pod.metadata.name);
          api
            .podLogsStream(model.namespace, pod.metadata.name, undefined, { follow: true, signal: streaming.signal }, (line) =>
              reporter.emit({ type: "log", phase: phaseName, stream: "stdout", line: redact(line) }),
            )
            .catch(() => undefined);
        }
      };
      let verdict: WaitVerdict | undefined;
      try {
        verdict = await observe(
          phaseName,
          reporter,
          jobMs,
          async () => {
            const [observed, pods] = await Promise.all([
              api.get("batch/v1", "Job", model.namespace, name),
              api.list("v1", "Pod", model.namespace, { labelSelector: `batch.kubernetes.io/job-name=${name}` }),
            ]);
            follow(pods.items);
            return jobVerdict((observed ?? job) as JobLike, pods.items as PodLike[]);
          },
          [
            { apiVersion: "batch/v1", kind: "Job", namespace: model.namespace, labelSelector: `${phaseLabel}=${phase}` },
            { apiVersion: "v1", kind: "Pod", namespace: model.namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` },
          ],
        );
      } finally {
        // Lines already on their way arrive within moments of the end; then the streams close.
        if (streamed.size > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        streaming.abort();
      }
      if (verdict === undefined)
        throw new DeployFailure({ class: failureClass, message: `${prefix}: not complete after ${jobMs} ms`, evidence: {} });
      if (verdict.ok) return;
      const evidence = await withDiagnostics(model.namespace, verdict.evidence);
      await restoreFoundation(ctx).catch(() => undefined);
      // A pod that never ran (bad image, missing config, no room) says so; a command that failed is the phase's failure.
      const kubeClass = "failureClass" in verdict ? engineFailureClass(verdict.failureClass) : failureClass;
      const podClasses: readonly FailureClass[] = ["image-pull", "config-error", "unschedulable", "oom-killed"];
      throw new DeployFailure({
        class: podClasses.includes(kubeClass) ? kubeClass : failureClass,
        message: `${prefix}: ${verdict.reason}`,
        evidence,
      });
    },

    async start(ctx) {
      const objects = objectsOf(ctx);
      try {
        await ensureFoundation(ctx, "start");
      } catch (error) {
        await restoreFoundation(ctx).catch(() => undefined);
        throw error;
      }
      let applied: string[];
      try {
        applied = await applyAll(ctx.model.environment, applyOrder(objects), "start", ctx.reporter, options.forceConflicts ?? false);
      } catch (error) {
        // The engine rolls back only after start returns; a half-applied release is undone here.
        await rollBack(ctx).catch(() => undefined);
        throw error;
      }
      current = objects;
      const deployment = await api.get("apps/v1", "Deployment", ctx.model.namespace, ctx.model.name);
      return {
        deploymentGeneration: deployment?.metadata.generation ?? null,
        objects: applied,
        secrets: Object.fromEntries([...secretDigests.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      };
    },

    async healthGate(ctx) {
      await waitRollout(ctx, "health", "rollout");
    },

    async switchTo() {
      // The Deployment's rolling update already moved traffic to ready pods of the new release.
    },

    async switchBack() {
      // Nothing to switch back: abandon re-applies the previous release.
    },

    async abandon(ctx) {
      await rollBack(ctx);
    },

    async retire(record: ReleaseRecord, reporter: Reporter) {
      // The rolling update already stopped the old pods; delete what the old release rendered and the new one does not.
      if (current === undefined) return;
      const old = await history.objects(record.revision);
      if (old === undefined) return;
      const keep = new Set(current.map((o) => `${o.apiVersion}/${objectRef(o)}`));
      for (const object of old) {
        if (object.kind === "Namespace" || object.kind === "Job" || keep.has(`${object.apiVersion}/${objectRef(object)}`)) continue;
        if ((await api.discover(object.apiVersion, object.kind)) === undefined) continue;
        if (await api.delete(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name)) {
          reporter.emit({ type: "waiting", phase: "drain", message: `pruned ${objectRef(object)} (no longer rendered)` });
        }
      }
    },

    async prune(revisions) {
      // History records go with their Jobs (the Job's ttlSecondsAfterFinished usually got there first).
      // A Job the serving release also renders (same image and command) is its Job now: kept.
      const serving = new Set((current ?? []).filter((o) => o.kind === "Job").map((o) => o.metadata.name));
      for (const revision of revisions) {
        const objects = await history.objects(revision).catch(() => undefined);
        const namespace = objects?.find((o) => o.kind === "Job")?.metadata.namespace;
        if (objects === undefined || namespace === undefined) continue;
        for (const name of releaseJobNamesOf(objects, revision)) {
          if (serving.has(name)) continue;
          await api.delete("batch/v1", "Job", namespace, name, { propagationPolicy: "Background" });
        }
      }
    },
  };
}

interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

function eventTime(e: EventLike): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "";
}

/** The app's Secret with one key per declared secret name (values base64, never logged). */
export function appSecret(model: AppModel, values: Readonly<Record<string, string>>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: model.secrets.secretName,
      namespace: model.namespace,
      labels: { "app.kubernetes.io/instance": model.name, "app.kubernetes.io/managed-by": "slipway" },
    },
    type: "Opaque",
    data: Object.fromEntries(model.secrets.names.map((name) => [name, Buffer.from(values[name] ?? "", "utf8").toString("base64")])),
  };
}
