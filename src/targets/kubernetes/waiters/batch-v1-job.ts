/**
 * Waits for a Job (the migration): done when Complete; failed when the Job fails, when a pod failed
 * and no retry is left, or as soon as a pod cannot start (image, config, scheduling).
 */
import { count, type Fields, fields, findCondition, isOwnedBy, items, type JobLike, nameOf, type PodLike, text } from "./kube-objects.js";
import {
  conditionEvidence,
  containerEvidence,
  containerStatusesOf,
  problemVerdict,
  sortedByName,
  worstPodProblem,
} from "./pod-problems.js";
import type { WaitEvidence, WaitVerdict } from "./types.js";

const JOB_NAME_LABELS = ["batch.kubernetes.io/job-name", "job-name"];

/** Maps an observed Job and its pods to a verdict. Pure; never throws, whatever the shape of the objects. */
export function jobVerdict(job: JobLike, pods: readonly PodLike[]): WaitVerdict {
  const name = nameOf(job);
  const jobPods = sortedByName(items(pods).filter((pod) => belongsTo(pod, job)));
  const evidence: WaitEvidence = {
    pods: jobPods.map(nameOf),
    containers: containerEvidence(jobPods),
    conditions: [...conditionEvidence("job", [job]), ...conditionEvidence("pod", jobPods)],
  };

  const complete = findCondition(job, "Complete");
  if (complete?.status === "True") return { done: true, ok: true, reason: `job ${name} complete`, evidence };

  const exit = failedExit(jobPods);
  const exitEvidence: WaitEvidence = exit === undefined ? evidence : { ...evidence, ...exit.evidence };
  // FailureTarget comes first: the controller sets it once the Job is doomed, before its pods are gone.
  const failed = [findCondition(job, "FailureTarget"), findCondition(job, "Failed")].find((c) => c?.status === "True");
  if (failed !== undefined) {
    const why = [text(failed.reason), text(failed.message)].filter((s) => s !== undefined && s !== "").join(": ");
    return {
      done: true,
      ok: false,
      failureClass: exit?.oom === true ? "oom-killed" : "job-failed",
      reason: `job ${name} failed${why === "" ? "" : ` (${why})`}${exit === undefined ? "" : `: ${exit.reason}`}`,
      evidence: { ...exitEvidence, ...(why === "" ? {} : { detail: why }) },
    };
  }

  const problem = worstPodProblem(jobPods, { exitsAreCrashes: false });
  if (problem !== undefined) return problemVerdict(problem, evidence);

  // Kubernetes defaults backoffLimit to 6; 0 means the first failed pod fails the Job.
  const backoffLimit = count(fields(fields(job).spec).backoffLimit) ?? 6;
  const failures = Math.max(count(fields(fields(job).status).failed) ?? 0, exit?.failedPods ?? 0);
  if (exit !== undefined && failures > backoffLimit) {
    return {
      done: true,
      ok: false,
      failureClass: exit.oom ? "oom-killed" : "job-failed",
      reason: `job ${name} failed: ${exit.reason} (backoffLimit ${backoffLimit})`,
      evidence: exitEvidence,
    };
  }
  if (exit !== undefined) {
    return waiting(`job ${name}: ${exit.reason}; retrying (${failures} of ${backoffLimit + 1} attempts failed)`, exitEvidence);
  }
  if (fields(fields(job).spec).suspend === true) return waiting(`job ${name} is suspended`, evidence);
  const active = count(fields(fields(job).status).active) ?? 0;
  return waiting(`job ${name}: ${active} active, ${count(fields(fields(job).status).succeeded) ?? 0} succeeded`, evidence);
}

function waiting(reason: string, evidence: WaitEvidence): WaitVerdict {
  return { done: false, ok: false, reason, evidence };
}

function belongsTo(pod: unknown, job: unknown): boolean {
  if (isOwnedBy(pod, job, "Job")) return true;
  const labels = fields(fields(fields(pod).metadata).labels);
  const name = text(fields(fields(job).metadata).name);
  return (
    name !== undefined &&
    JOB_NAME_LABELS.some((label) => labels[label] === name) &&
    items(fields(fields(pod).metadata).ownerReferences).length === 0
  );
}

interface FailedExit {
  reason: string;
  oom: boolean;
  /** Failed attempts the pods show (failed pods, plus restarts after a failure). */
  failedPods: number;
  evidence: WaitEvidence;
}

/** The most recent non-zero exit among the Job's pods (a container terminated, or restarted after one). */
function failedExit(pods: readonly unknown[]): FailedExit | undefined {
  let found: { pod: string; container: string; terminated: Fields; restartCount: number } | undefined;
  let failedPods = 0;
  for (const pod of pods) {
    let endedFailed = fields(fields(pod).status).phase === "Failed";
    let restartsAfterFailure = 0;
    for (const status of containerStatusesOf(pod)) {
      const restartCount = count(status.restartCount) ?? 0;
      const current = fields(fields(status.state).terminated);
      const previous = fields(fields(status.lastState).terminated);
      if (nonZero(current)) endedFailed = true;
      // With restartPolicy OnFailure each restart after a failure counts against the backoff limit.
      if (nonZero(previous)) restartsAfterFailure = Math.max(restartsAfterFailure, restartCount);
      const terminated = nonZero(current) ? current : nonZero(previous) ? previous : undefined;
      if (terminated !== undefined) found ??= { pod: nameOf(pod), container: text(status.name) ?? "(unnamed)", terminated, restartCount };
    }
    failedPods += (endedFailed ? 1 : 0) + restartsAfterFailure;
  }
  if (found === undefined) return undefined;
  const exitCode = count(found.terminated.exitCode);
  const why = text(found.terminated.reason);
  const message = text(found.terminated.message);
  return {
    reason: `container ${found.container}: exited (exit ${exitCode}${why === undefined ? "" : `, ${why}`}) in pod ${found.pod}`,
    oom: why === "OOMKilled",
    failedPods,
    evidence: {
      pod: found.pod,
      container: found.container,
      restartCount: found.restartCount,
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(message === undefined ? {} : { detail: message }),
    },
  };
}

function nonZero(terminated: Fields): boolean {
  const exitCode = count(terminated.exitCode);
  return exitCode !== undefined && exitCode !== 0;
}
