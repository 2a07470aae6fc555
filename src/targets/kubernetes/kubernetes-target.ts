/**
 * The Kubernetes target: server-side apply in dependency order (apply.ts), release Jobs with
 * per-revision names (release-jobs.ts), a rollout gate that fails on the first conclusive signal
 * (rollout.ts), and rollback by re-applying the previous release's stored objects. Every step takes
 * the deploy's KubeTargetState (target-state.ts); this file only wires them to the engine.
 */
import { DeployFailure, type DeployTarget, type ReleaseContext } from "../../deploy/engine.js";
import type { ReleaseRecord } from "../../deploy/history.js";
import type { KubeApi, KubeObject } from "../../effects/kube/kube-api.js";
import { Redactor } from "../../secrets/redact.js";
import { type Applied, applyAll, applyOrder, pruneRetired } from "./apply.js";
import { ensureFoundation, restoreFoundation } from "./foundation.js";
import type { KubeHistory } from "./kube-history.js";
import { pruneReleaseJobs, runReleaseJob } from "./release-jobs.js";
import { recoverInterrupted, rollBack, waitRollout } from "./rollout.js";
import { createTargetState, type KubeTargetState, objectsOf } from "./target-state.js";
import { timeoutProblems } from "./timeouts.js";

export { applyOrder } from "./apply.js";
export { releaseJobNamesOf } from "./release-jobs.js";
export { appSecret, composedUrlAnnotation } from "./release-secrets.js";
export { objectRef } from "./target-state.js";

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
  /** Objects of one apply rank sent to the API server at once; default 6. */
  applyConcurrency?: number;
  /** Defaults; a Deployment's or Job's `slipway.dev/timeout` annotation overrides them for that object. */
  timeouts?: {
    /** A release Job; default 30 min (the Job's activeDeadlineSeconds). */
    jobMs?: number;
    /** A rollout (and the rollback's); default 10 min. */
    rolloutMs?: number;
  };
}

/**
 * A timeout annotation that does not parse fails the deploy before anything of the workload
 * changes: on the rendered objects, and on the live Deployments (`kubectl annotate`).
 */
async function checkTimeoutAnnotations(state: KubeTargetState, ctx: ReleaseContext, objects: readonly KubeObject[]): Promise<void> {
  const live = await Promise.all(
    objects
      .filter((o) => o.kind === "Deployment")
      .map((o) => state.settings.api.get("apps/v1", "Deployment", o.metadata.namespace ?? ctx.model.namespace, o.metadata.name)),
  );
  const problems = timeoutProblems([...objects, ...live.filter((o): o is KubeObject => o !== undefined)]);
  if (problems.length === 0) return;
  throw new DeployFailure({
    class: "config-error",
    message: `deploy ${ctx.model.environment}: ${problems[0]}`,
    evidence: { detail: problems.join("\n") },
  });
}

export function kubernetesTarget(options: KubernetesTargetOptions): DeployTarget {
  const state = createTargetState(
    {
      api: options.api,
      history: options.history,
      fieldManager: options.fieldManager ?? "slipway",
      forceConflicts: options.forceConflicts ?? false,
      secretValues: options.secretValues,
      externalSecretsMs: options.externalSecretsMs ?? 60_000,
      pollMs: options.pollMs ?? 1000,
      jobMs: options.timeouts?.jobMs ?? 30 * 60_000,
      rolloutMs: options.timeouts?.rolloutMs ?? 10 * 60_000,
      applyConcurrency: options.applyConcurrency ?? 6,
    },
    // Values of the Secrets this run's pods read: every log line that leaves slipway is scrubbed of them.
    (options.redactor ?? new Redactor()).add(Object.values(options.secretValues ?? {})),
  );
  const { history } = state.settings;

  return {
    name: "kubernetes",

    url(model) {
      if (model.ingress) return `${model.ingress.tls ? "https" : "http"}://${model.ingress.host}`;
      return `http://${model.name}.${model.namespace}.svc`;
    },

    async recover(store, reporter, model) {
      await recoverInterrupted(state, store, reporter, model);
    },

    async prepare(ctx) {
      if (ctx.rollbackOf !== undefined) {
        // `rollback --to N` re-applies exactly what revision N applied.
        const earlier = await history.objects(ctx.rollbackOf.revision);
        if (earlier === undefined) throw new Error(`revision ${ctx.rollbackOf.revision} has no stored objects to roll back to`);
        state.rendered.set(ctx.revision, earlier);
        history.setObjects(ctx.revision, earlier);
        return ctx.rollbackOf.artifact;
      }
      const objects = objectsOf(state, ctx);
      const problems = timeoutProblems(objects);
      if (problems[0] !== undefined) {
        throw new DeployFailure({ class: "config-error", message: `deploy ${ctx.model.environment}: ${problems[0]}`, evidence: {} });
      }
      history.setObjects(ctx.revision, objects);
      return { kind: "image", ref: ctx.model.image.ref };
    },

    async ensureDatabase(ctx) {
      return { firstTime: ctx.previous === undefined };
    },

    async runCommand(ctx, phase) {
      await runReleaseJob(state, ctx, phase);
    },

    async start(ctx) {
      const objects = objectsOf(state, ctx);
      try {
        // The live Deployments' annotations are read while the foundation is applied: no added round trip.
        const [foundation, timeouts] = await Promise.allSettled([
          ensureFoundation(state, ctx, "start"),
          checkTimeoutAnnotations(state, ctx, objects),
        ]);
        if (foundation.status === "rejected") throw foundation.reason;
        if (timeouts.status === "rejected") throw timeouts.reason;
      } catch (error) {
        await restoreFoundation(state, ctx).catch(() => undefined);
        throw error;
      }
      let applied: Applied;
      try {
        applied = await applyAll(state, ctx.model.environment, applyOrder(objects), "start", ctx.reporter, state.settings.forceConflicts);
      } catch (error) {
        // The engine rolls back only after start returns; a half-applied release is undone here.
        await rollBack(state, ctx).catch(() => undefined);
        throw error;
      }
      state.current = objects;
      // The apply's answer carries the generation the rollout must reach.
      const deployment = applied.live.find((o) => o.kind === "Deployment" && o.metadata.name === ctx.model.name);
      return {
        deploymentGeneration: deployment?.metadata.generation ?? null,
        objects: applied.refs,
        secrets: Object.fromEntries([...state.secretDigests.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      };
    },

    async healthGate(ctx) {
      await waitRollout(state, ctx, "health", "rollout");
    },

    async switchTo() {
      // The Deployment's rolling update already moved traffic to ready pods of the new release.
    },

    async switchBack() {
      // Nothing to switch back: abandon re-applies the previous release.
    },

    async abandon(ctx) {
      await rollBack(state, ctx);
    },

    async retire(record: ReleaseRecord, reporter) {
      // The rolling update already stopped the old pods; delete what the old release rendered and the new one does not.
      await pruneRetired(state, record, reporter);
    },

    async prune(revisions) {
      // History records go with their Jobs.
      await pruneReleaseJobs(state, revisions);
    },
  };
}
