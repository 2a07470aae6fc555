/**
 * Release Jobs (setup, migrate): one per revision under its rendered name, replaced (never reused)
 * when an interrupted run left it, its output streamed as it runs, judged by waiters/batch-v1-job.
 */
import { DeployFailure, type ReleaseContext } from "../../deploy/engine.js";
import type { FailureClass, PhaseName } from "../../deploy/events.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { phaseLabel } from "../../render/kubernetes/render-kubernetes.js";
import { withDiagnostics } from "./diagnostics.js";
import { ensureFoundation, restoreFoundation } from "./foundation.js";
import { observe } from "./observe.js";
import { type KubeTargetState, objectsOf } from "./target-state.js";
import { timeoutOf } from "./timeouts.js";
import { jobVerdict } from "./waiters/batch-v1-job.js";
import { engineFailureClass } from "./waiters/engine-failure-class.js";
import type { JobLike, PodLike } from "./waiters/kube-objects.js";
import type { WaitVerdict } from "./waiters/types.js";

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

/** Runs the release's `phase` Job to completion; throws a DeployFailure when it fails or times out. */
export async function runReleaseJob(state: KubeTargetState, ctx: ReleaseContext, phase: "setup" | "migrate"): Promise<void> {
  const { api, fieldManager } = state.settings;
  const { model, revision, reporter } = ctx;
  const objects = objectsOf(state, ctx);
  const rendered = objects.find((o) => o.kind === "Job" && o.metadata.labels?.[phaseLabel] === phase);
  const failureClass = phase === "setup" ? "setup-failed" : "migration-failed";
  const name = rendered === undefined ? `${model.name}-${phase}` : jobRunName(rendered, model.name, phase, revision);
  const prefix = `deploy ${model.environment}: ${phase} job/${name}`;
  if (rendered === undefined) {
    throw new DeployFailure({ class: failureClass, message: `${prefix}: the release renders no ${phase} Job`, evidence: {} });
  }
  const phaseName: PhaseName = phase;
  await ensureFoundation(state, ctx, phaseName);
  const job: KubeObject = { ...rendered, metadata: { ...rendered.metadata, name } };
  // Adopt-or-replace: a Job left by an interrupted run of this revision is deleted, never reused half-done.
  if (await api.delete("batch/v1", "Job", model.namespace, name, { propagationPolicy: "Background" })) {
    reporter.emit({ type: "waiting", phase: phaseName, message: `replacing job/${name} left by an interrupted run` });
    const gone = await observe(state, phaseName, reporter, 60_000, async (cache) =>
      (await cache.get("batch/v1", "Job", model.namespace, name)) === undefined
        ? { done: true, ok: true, reason: "gone", evidence: {} }
        : { done: false, ok: false, reason: `waiting for the old job/${name} to be deleted`, evidence: {} },
    );
    if (gone === undefined)
      throw new DeployFailure({ class: failureClass, message: `${prefix}: the old Job is not going away`, evidence: {} });
  }
  await api.apply(job, { fieldManager, force: true });
  const jobMs = timeoutOf(job, state.settings.jobMs);
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
          reporter.emit({ type: "log", phase: phaseName, stream: "stdout", line: state.redactor.text(line) }),
        )
        .catch(() => undefined);
    }
  };
  const podSelector = `batch.kubernetes.io/job-name=${name}`;
  let verdict: WaitVerdict | undefined;
  try {
    verdict = await observe(
      state,
      phaseName,
      reporter,
      jobMs,
      async (cache) => {
        const [observed, pods] = await Promise.all([
          cache.get("batch/v1", "Job", model.namespace, name),
          cache.list("v1", "Pod", model.namespace, { labelSelector: podSelector }),
        ]);
        follow(pods);
        return jobVerdict((observed ?? job) as JobLike, pods as PodLike[]);
      },
      [
        { apiVersion: "batch/v1", kind: "Job", namespace: model.namespace, labelSelector: `${phaseLabel}=${phase}` },
        { apiVersion: "v1", kind: "Pod", namespace: model.namespace, labelSelector: podSelector },
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
  const evidence = await withDiagnostics(state, model.namespace, verdict.evidence);
  await restoreFoundation(state, ctx).catch(() => undefined);
  // A pod that never ran (bad image, missing config, no room) says so; a command that failed is the phase's failure.
  const kubeClass = "failureClass" in verdict ? engineFailureClass(verdict.failureClass) : failureClass;
  const podClasses: readonly FailureClass[] = ["image-pull", "config-error", "unschedulable", "oom-killed"];
  throw new DeployFailure({
    class: podClasses.includes(kubeClass) ? kubeClass : failureClass,
    message: `${prefix}: ${verdict.reason}`,
    evidence,
  });
}

/**
 * Deletes the release Jobs of pruned revisions (the Job's ttlSecondsAfterFinished usually got there
 * first). A Job the serving release also renders (same image and command) is its Job now: kept.
 */
export async function pruneReleaseJobs(state: KubeTargetState, revisions: readonly number[]): Promise<void> {
  const { api, history } = state.settings;
  const serving = new Set((state.current ?? []).filter((o) => o.kind === "Job").map((o) => o.metadata.name));
  for (const revision of revisions) {
    const objects = await history.objects(revision).catch(() => undefined);
    const namespace = objects?.find((o) => o.kind === "Job")?.metadata.namespace;
    if (objects === undefined || namespace === undefined) continue;
    for (const name of releaseJobNamesOf(objects, revision)) {
      if (serving.has(name)) continue;
      await api.delete("batch/v1", "Job", namespace, name, { propagationPolicy: "Background" });
    }
  }
}
