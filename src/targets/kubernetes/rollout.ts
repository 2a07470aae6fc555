/**
 * The rollout gate: watch the Deployments until each one's new ReplicaSet is available, failing on
 * the first conclusive signal (waiters/apps-v1-deployment); and rollback, which re-applies the
 * previous release's stored objects and waits for them the same way.
 */
import { DeployFailure, type ReleaseContext } from "../../deploy/engine.js";
import type { FailureClass, PhaseName, Reporter } from "../../deploy/events.js";
import { currentRelease, type HistoryStore } from "../../deploy/history.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import type { AppModel } from "../../model/app-model.js";
import { applyAll, applyOrder } from "./apply.js";
import { withDiagnostics } from "./diagnostics.js";
import { observe, type PollCache } from "./observe.js";
import type { KubeTargetState } from "./target-state.js";
import { timeoutOf } from "./timeouts.js";
import { deploymentVerdict } from "./waiters/apps-v1-deployment.js";
import { engineFailureClass } from "./waiters/engine-failure-class.js";
import type { DeploymentLike, PodLike, ReplicaSetLike } from "./waiters/kube-objects.js";
import type { WaitVerdict } from "./waiters/types.js";
import { webSelector } from "./web-pods.js";

/** Every object slipway renders for the app carries this label: one list per kind covers all its Deployments. */
function instanceSelector(app: string): string {
  return `app.kubernetes.io/instance=${app}`;
}

function hasLabels(object: KubeObject, wanted: Readonly<Record<string, string>>): boolean {
  const labels = object.metadata.labels ?? {};
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

/**
 * One Deployment's verdict from the poll's shared lists (Deployments, ReplicaSets and Pods of the
 * app, each listed once per poll however many Deployments are judged).
 */
export async function rolloutVerdict(
  cache: PollCache,
  model: AppModel,
  name: string,
  now: number,
): Promise<{ verdict: WaitVerdict; deployment: KubeObject | undefined }> {
  const ns = model.namespace;
  const selector = { labelSelector: instanceSelector(model.name) };
  const [deployments, replicaSets, pods] = await Promise.all([
    cache.list("apps/v1", "Deployment", ns, selector),
    cache.list("apps/v1", "ReplicaSet", ns, selector),
    cache.list("v1", "Pod", ns, selector),
  ]);
  // A Deployment whose labels were changed by hand is still found by name.
  const deployment = deployments.find((d) => d.metadata.name === name) ?? (await cache.get("apps/v1", "Deployment", ns, name));
  if (deployment === undefined) {
    return { verdict: { done: false, ok: false, reason: `waiting for deployment/${name} to exist`, evidence: {} }, deployment };
  }
  const matchLabels = (deployment.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {};
  const verdict = deploymentVerdict(
    deployment as DeploymentLike,
    replicaSets.filter((rs) => hasLabels(rs, matchLabels)) as ReplicaSetLike[],
    pods.filter((pod) => hasLabels(pod, matchLabels)) as PodLike[],
    { now, readinessThresholdMs: model.health.startup.timeoutSeconds * 1000 },
  );
  return { verdict, deployment };
}

/** The Deployments of what the cluster was set to (the app's own when nothing is recorded). */
function deploymentNames(state: KubeTargetState, model: AppModel): string[] {
  const names = (state.current ?? []).filter((o) => o.kind === "Deployment").map((o) => o.metadata.name);
  return names.length > 0 ? names : [model.name];
}

/**
 * Waits until every Deployment is rolled out; throws a DeployFailure on the first conclusive
 * failure, or when a Deployment is not available within its timeout (its `slipway.dev/timeout`
 * annotation, else the rollout timeout).
 */
export async function waitRollout(state: KubeTargetState, ctx: ReleaseContext, phase: PhaseName, what: string): Promise<void> {
  const { model } = ctx;
  const ns = model.namespace;
  const names = deploymentNames(state, model);
  const started = Date.now();
  let about = names[0] ?? model.name;
  const watchSelector = names.every((name) => name === model.name) ? webSelector(model.name) : instanceSelector(model.name);
  let timedOutAfter: number | undefined;
  const verdict = await observe(
    state,
    phase,
    ctx.reporter,
    Number.POSITIVE_INFINITY,
    async (cache) => {
      const now = Date.now();
      const judged = await Promise.all(names.map(async (name) => ({ name, ...(await rolloutVerdict(cache, model, name, now)) })));
      const failed = judged.find((j) => j.verdict.done && !j.verdict.ok);
      if (failed !== undefined) {
        about = failed.name;
        return failed.verdict;
      }
      const waiting = judged.filter((j) => !j.verdict.done);
      const first = waiting[0];
      if (first === undefined) return judged[0]?.verdict ?? { done: true, ok: true, reason: "nothing to roll out", evidence: {} };
      for (const j of waiting) {
        const timeoutMs = timeoutOf(j.deployment, state.settings.rolloutMs);
        if (now - started >= timeoutMs) {
          about = j.name;
          timedOutAfter = timeoutMs;
          return { done: true, ok: false, failureClass: "health-timeout", reason: `not available after ${timeoutMs} ms`, evidence: {} };
        }
      }
      about = first.name;
      return first.verdict;
    },
    [
      { apiVersion: "apps/v1", kind: "Deployment", namespace: ns, labelSelector: watchSelector },
      { apiVersion: "apps/v1", kind: "ReplicaSet", namespace: ns, labelSelector: watchSelector },
      { apiVersion: "v1", kind: "Pod", namespace: ns, labelSelector: watchSelector },
    ],
  );
  const prefix = `deploy ${model.environment}: ${what} of deployment/${about}`;
  if (verdict === undefined || timedOutAfter !== undefined) {
    throw new DeployFailure({
      class: "health-timeout",
      message: `${prefix}: not available after ${timedOutAfter ?? state.settings.rolloutMs} ms`,
      evidence: {},
    });
  }
  if (verdict.ok) return;
  const failureClass: FailureClass = "failureClass" in verdict ? engineFailureClass(verdict.failureClass) : "health-failed";
  throw new DeployFailure({
    class: failureClass,
    message: `${prefix}: ${verdict.reason}`,
    evidence: await withDiagnostics(state, ns, verdict.evidence),
  });
}

/** Puts the previous release back (or, when nothing served before, removes the new workload). */
export async function rollBack(state: KubeTargetState, ctx: ReleaseContext): Promise<void> {
  const { api, history } = state.settings;
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
  await applyAll(state, model.environment, applyOrder(objects), "rollback", reporter, true);
  state.current = objects;
  await waitRollout(state, ctx, "rollback", "rollback");
}

/**
 * Before a deploy (the engine holds the lock): records of deploys still in progress belong to a
 * process that died; mark them interrupted, and when one had started rolling out a newer release,
 * put the last good release's objects back.
 */
export async function recoverInterrupted(state: KubeTargetState, store: HistoryStore, reporter: Reporter, model: AppModel): Promise<void> {
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
  const objects = await state.settings.history.objects(good.revision);
  if (objects === undefined) return;
  const ctx: ReleaseContext = { model, revision: good.revision, previous: good, rollbackOf: undefined, reporter };
  try {
    await applyAll(state, model.environment, applyOrder(objects), "recover", reporter, true);
    state.current = objects;
    await waitRollout(state, ctx, "recover", "restore");
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
}
