/**
 * Waits for a Deployment rollout: done when the ReplicaSet of the current template is fully
 * available; failed as soon as one of its pods proves the release cannot come up.
 */
import { podReady } from "../web-pods.js";
import {
  count,
  type DeploymentLike,
  fields,
  findCondition,
  isOwnedBy,
  items,
  nameOf,
  type PodLike,
  type ReplicaSetLike,
  text,
  timestamp,
} from "./kube-objects.js";
import {
  conditionEvidence,
  containerEvidence,
  containerStatusesOf,
  problemVerdict,
  sortedByName,
  worstPodProblem,
} from "./pod-problems.js";
import type { WaitEvidence, WaitVerdict } from "./types.js";

const REVISION = "deployment.kubernetes.io/revision";
const TEMPLATE_HASH = "pod-template-hash";

export interface DeploymentWaitOptions {
  /** The observation time (ms since the epoch, or a Date): readiness is judged against it. */
  now: number | Date;
  /**
   * How long a pod may have all containers running yet stay not Ready before the rollout fails
   * (`readiness-failed`). Default 60 000 ms.
   */
  readinessThresholdMs?: number;
  /** Restarts after a non-zero exit tolerated before `crash-loop` (default 0: the first crash fails). */
  toleratedRestarts?: number;
}

/**
 * Maps an observed Deployment, its ReplicaSets and pods to a verdict. Pure; never throws, whatever
 * the shape of the objects.
 */
export function deploymentVerdict(
  deployment: DeploymentLike,
  replicaSets: readonly ReplicaSetLike[],
  pods: readonly PodLike[],
  options: DeploymentWaitOptions,
): WaitVerdict {
  const name = nameOf(deployment);
  const meta = fields(fields(deployment).metadata);
  const status = fields(fields(deployment).status);
  const desired = count(fields(fields(deployment).spec).replicas) ?? 1;
  const generation = count(meta.generation);
  const observed = count(status.observedGeneration);
  const newRs = newReplicaSet(deployment, items(replicaSets));
  const newPods = newRs === undefined ? [] : sortedByName(items(pods).filter((pod) => belongsTo(pod, newRs)));
  const evidence: WaitEvidence = {
    pods: newPods.map(nameOf),
    containers: containerEvidence(newPods),
    conditions: [...conditionEvidence("deployment", [deployment]), ...conditionEvidence("pod", newPods)],
  };

  // Until the controller has seen the current spec, the revision annotation (and so the "new"
  // ReplicaSet) may still be the previous rollout's — e.g. the failed one during a rollback.
  if (generation !== undefined && (observed === undefined || observed < generation)) {
    return waiting(`waiting for generation ${generation} to be observed (observed ${observed ?? "none"})`, evidence);
  }

  const problem = worstPodProblem(newPods, {
    exitsAreCrashes: true,
    ...(options.toleratedRestarts === undefined ? {} : { toleratedRestarts: options.toleratedRestarts }),
  });
  if (problem !== undefined) return problemVerdict(problem, evidence);

  const now = options.now instanceof Date ? options.now.getTime() : options.now;
  const threshold = options.readinessThresholdMs ?? 60_000;
  for (const pod of newPods) {
    const notReadyFor = notReadyWhileRunningMs(pod, now);
    if (notReadyFor !== undefined && notReadyFor > threshold) {
      const podName = nameOf(pod);
      const waitingOn = containerStatusesOf(pod)
        .filter((c) => c.ready !== true)
        .map((c) => text(c.name) ?? "(unnamed)");
      return {
        done: true,
        ok: false,
        failureClass: "readiness-failed",
        reason: `pod ${podName}: not ready ${Math.round(notReadyFor / 1000)} s after its containers started (threshold ${Math.round(threshold / 1000)} s); not ready: ${waitingOn.join(", ") || "(none listed)"}`,
        evidence: { ...evidence, pod: podName, detail: `not ready for ${notReadyFor} ms` },
      };
    }
  }

  const progressing = findCondition(deployment, "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    const message = text(progressing.message) ?? "progress deadline exceeded";
    return {
      done: true,
      ok: false,
      failureClass: "progress-deadline",
      reason: `ProgressDeadlineExceeded: ${message}`,
      evidence: { ...evidence, detail: message },
    };
  }

  if (newRs === undefined) return waiting(`waiting for the new ReplicaSet of deployment ${name}`, evidence);
  const rsMeta = fields(fields(newRs).metadata);
  const rsStatus = fields(fields(newRs).status);
  const rsGeneration = count(rsMeta.generation);
  const rsObserved = count(rsStatus.observedGeneration);
  if (rsGeneration !== undefined && (rsObserved === undefined || rsObserved < rsGeneration)) {
    return waiting(`waiting for replicaset ${nameOf(newRs)} generation ${rsGeneration} to be observed`, evidence);
  }
  const available = count(rsStatus.availableReplicas) ?? 0;
  if (available < desired) {
    return waiting(`${available}/${desired} new replicas available (replicaset ${nameOf(newRs)})`, evidence);
  }
  return { done: true, ok: true, reason: `${available}/${desired} new replicas available (replicaset ${nameOf(newRs)})`, evidence };
}

function waiting(reason: string, evidence: WaitEvidence): WaitVerdict {
  return { done: false, ok: false, reason, evidence };
}

/**
 * The ReplicaSet of the Deployment's current template: the controller stamps both with the same
 * revision annotation, so no template comparison is needed.
 */
function newReplicaSet(deployment: unknown, replicaSets: readonly unknown[]): unknown {
  const revision = text(fields(fields(fields(deployment).metadata).annotations)[REVISION]);
  if (revision === undefined) return undefined;
  return replicaSets.find((rs) => {
    const meta = fields(fields(rs).metadata);
    return isOwnedBy(rs, deployment, "Deployment") && text(fields(meta.annotations)[REVISION]) === revision;
  });
}

function belongsTo(pod: unknown, replicaSet: unknown): boolean {
  if (isOwnedBy(pod, replicaSet, "ReplicaSet")) return true;
  const hash = text(fields(fields(fields(replicaSet).metadata).labels)[TEMPLATE_HASH]);
  const podHash = text(fields(fields(fields(pod).metadata).labels)[TEMPLATE_HASH]);
  return hash !== undefined && podHash === hash && items(fields(fields(pod).metadata).ownerReferences).length === 0;
}

/**
 * How long the pod has been not Ready while every container runs: measured from the latest
 * container start, so a restart resets the clock. Undefined when the pod is Ready or a container
 * is not running.
 */
function notReadyWhileRunningMs(pod: unknown, now: number): number | undefined {
  if (!Number.isFinite(now)) return undefined;
  if (podReady(pod) !== false) return undefined;
  const statuses = items(fields(fields(pod).status).containerStatuses).map(fields);
  if (statuses.length === 0) return undefined;
  let latestStart = Number.NEGATIVE_INFINITY;
  for (const status of statuses) {
    const startedAt = timestamp(fields(fields(status.state).running).startedAt);
    if (startedAt === undefined) return undefined;
    latestStart = Math.max(latestStart, startedAt);
  }
  return now - latestStart;
}
