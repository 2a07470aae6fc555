/** What a pod already proves about a rollout: shared by the Deployment and Job waiters. */
import { count, type Fields, fields, findCondition, items, nameOf, text } from "./kube-objects.js";
import type { ConditionEvidence, ContainerEvidence, FailedVerdict, KubeFailureClass, WaitEvidence } from "./types.js";

/** A failure one pod proves, with the facts that show it. */
export interface PodProblem {
  failureClass: KubeFailureClass;
  reason: string;
  pod: string;
  container?: string;
  image?: string;
  exitCode?: number;
  restartCount?: number;
  detail?: string;
}

export interface PodProblemOptions {
  /**
   * Whether a container that exited non-zero (or was OOM-killed, or backs off after either) counts as a crash.
   * Deployment pods: yes; Job pods: no, the Job waiter judges exits against the backoff limit.
   */
  exitsAreCrashes: boolean;
  /** Restarts after a non-zero exit tolerated before failing (default 0: the first crash fails). */
  toleratedRestarts?: number;
}

const IMAGE_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"]);
const CONFIG_REASONS = new Set(["CreateContainerConfigError", "CreateContainerError"]);
/** Most specific first: an OOM-killed container also sits in CrashLoopBackOff. */
const PRIORITY: readonly KubeFailureClass[] = ["oom-killed", "image-pull", "config-error", "crash-loop", "unschedulable"];

export function containerStatusesOf(pod: unknown): readonly Fields[] {
  const status = fields(fields(pod).status);
  return [...items(status.initContainerStatuses), ...items(status.containerStatuses)].map(fields);
}

/** The most telling problem among the pods (by class, then pod name), or undefined. */
export function worstPodProblem(pods: readonly unknown[], options: PodProblemOptions): PodProblem | undefined {
  let worst: PodProblem | undefined;
  for (const pod of pods) {
    const problem = podProblem(pod, options);
    if (problem === undefined) continue;
    if (worst === undefined || rank(problem) < rank(worst) || (rank(problem) === rank(worst) && problem.pod < worst.pod)) worst = problem;
  }
  return worst;
}

function rank(problem: PodProblem): number {
  return PRIORITY.indexOf(problem.failureClass);
}

export function podProblem(pod: unknown, options: PodProblemOptions): PodProblem | undefined {
  const podName = nameOf(pod);
  const status = fields(fields(pod).status);
  // A Deployment's app container never finishes: an exit 0 is a crash too (found on a real kubelet,
  // where the first CrashLoopBackOff shows only after the back-off, ~10-30 s later). Not for init
  // containers (they finish by design) nor a pod being deleted (it exits because it was told to).
  const deleting = fields(fields(pod).metadata).deletionTimestamp !== undefined;
  const lists: [unknown, boolean][] = [
    [status.initContainerStatuses, false],
    [status.containerStatuses, options.exitsAreCrashes && !deleting],
  ];
  let worst: PodProblem | undefined;
  for (const [list, exitZeroIsCrash] of lists) {
    for (const container of items(list).map(fields)) {
      const problem = containerProblem(podName, pod, container, options, exitZeroIsCrash);
      if (problem !== undefined && (worst === undefined || rank(problem) < rank(worst))) worst = problem;
    }
  }
  if (worst !== undefined) return worst;
  const scheduled = findCondition(pod, "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    const message = text(scheduled.message) ?? "no node fits";
    return { failureClass: "unschedulable", reason: `pod ${podName}: unschedulable: ${message}`, pod: podName, detail: message };
  }
  return undefined;
}

function containerProblem(
  podName: string,
  pod: unknown,
  status: Fields,
  options: PodProblemOptions,
  exitZeroIsCrash: boolean,
): PodProblem | undefined {
  const container = text(status.name) ?? "(unnamed)";
  const image = text(status.image) ?? specImage(pod, container);
  const restartCount = count(status.restartCount) ?? 0;
  const state = fields(status.state);
  const waiting = fields(state.waiting);
  const terminated = fields(state.terminated);
  const lastTerminated = fields(fields(status.lastState).terminated);
  const waitingReason = text(waiting.reason);
  const waitingMessage = text(waiting.message);
  const base = { pod: podName, container, restartCount, ...(image === undefined ? {} : { image }) };

  const oom = !options.exitsAreCrashes
    ? undefined
    : terminated.reason === "OOMKilled"
      ? terminated
      : lastTerminated.reason === "OOMKilled"
        ? lastTerminated
        : undefined;
  if (oom !== undefined) {
    const exitCode = count(oom.exitCode);
    return {
      ...base,
      failureClass: "oom-killed",
      reason: `container ${container}: OOMKilled (${exitPart(exitCode)}${restartPart(restartCount)}) in pod ${podName}`,
      ...(exitCode === undefined ? {} : { exitCode }),
    };
  }
  if (waitingReason !== undefined && IMAGE_REASONS.has(waitingReason)) {
    return {
      ...base,
      failureClass: "image-pull",
      reason: `container ${container}: ${waitingReason} for image ${image ?? "(unknown)"}${messagePart(waitingMessage)}`,
      ...(waitingMessage === undefined ? {} : { detail: waitingMessage }),
    };
  }
  if (waitingReason !== undefined && CONFIG_REASONS.has(waitingReason)) {
    return {
      ...base,
      failureClass: "config-error",
      reason: `container ${container}: ${waitingReason}${messagePart(waitingMessage)}`,
      ...(waitingMessage === undefined ? {} : { detail: waitingMessage }),
    };
  }
  const crashedNow = options.exitsAreCrashes && (nonZeroExit(terminated) || (exitZeroIsCrash && exited(terminated)));
  // Exit 0 before and running again: a crash until it is ready (then it is serving, and stays so).
  const crashedBefore =
    options.exitsAreCrashes &&
    (nonZeroExit(lastTerminated) || (exitZeroIsCrash && exited(lastTerminated) && status.ready !== true)) &&
    restartCount > (options.toleratedRestarts ?? 0);
  const backingOff = options.exitsAreCrashes && waitingReason === "CrashLoopBackOff";
  if (backingOff || crashedNow || crashedBefore) {
    const exitCode = count(terminated.exitCode) ?? count(lastTerminated.exitCode);
    const what = waitingReason === "CrashLoopBackOff" ? "CrashLoopBackOff" : "exited";
    const lastReason = text(terminated.reason) ?? text(lastTerminated.reason);
    const detail = text(terminated.message) ?? text(lastTerminated.message) ?? waitingMessage;
    return {
      ...base,
      failureClass: "crash-loop",
      reason: `container ${container}: ${what} (${exitPart(exitCode)}${lastReason === undefined ? "" : `, ${lastReason}`}${restartPart(restartCount)}) in pod ${podName}`,
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(detail === undefined ? {} : { detail }),
    };
  }
  return undefined;
}

function exited(terminated: Fields): boolean {
  return count(terminated.exitCode) !== undefined;
}

function nonZeroExit(terminated: Fields): boolean {
  const code = count(terminated.exitCode);
  return code !== undefined && code !== 0;
}

function specImage(pod: unknown, container: string): string | undefined {
  const spec = items(fields(fields(pod).spec).containers).map(fields);
  return text(spec.find((c) => c.name === container)?.image);
}

function exitPart(exitCode: number | undefined): string {
  return exitCode === undefined ? "exit code unknown" : `exit ${exitCode}`;
}

function restartPart(restarts: number): string {
  return restarts === 0 ? "" : `, ${restarts} restart${restarts === 1 ? "" : "s"}`;
}

function messagePart(message: string | undefined): string {
  return message === undefined || message === "" ? "" : `: ${message}`;
}

/** Every container of the pods, flattened for evidence. */
export function containerEvidence(pods: readonly unknown[]): ContainerEvidence[] {
  const out: ContainerEvidence[] = [];
  for (const pod of pods) {
    const podName = nameOf(pod);
    for (const status of containerStatusesOf(pod)) {
      const state = fields(status.state);
      const kind = ["running", "waiting", "terminated"].find((k) => typeof state[k] === "object" && state[k] !== null) ?? "unknown";
      const detail = fields(state[kind]);
      const last = fields(fields(status.lastState).terminated);
      const reason = text(detail.reason);
      const message = text(detail.message);
      const exitCode = count(detail.exitCode);
      const lastReason = text(last.reason);
      const lastExit = count(last.exitCode);
      const lastMessage = text(last.message);
      out.push({
        pod: podName,
        container: text(status.name) ?? "(unnamed)",
        state: kind,
        ready: status.ready === true,
        restartCount: count(status.restartCount) ?? 0,
        ...(reason === undefined ? {} : { reason }),
        ...(message === undefined ? {} : { message }),
        ...(exitCode === undefined ? {} : { exitCode }),
        ...(Object.keys(last).length === 0
          ? {}
          : {
              lastTerminated: {
                ...(lastReason === undefined ? {} : { reason: lastReason }),
                ...(lastExit === undefined ? {} : { exitCode: lastExit }),
                ...(lastMessage === undefined ? {} : { message: lastMessage }),
              },
            }),
      });
    }
  }
  return out;
}

/** Status conditions of the objects, as `kind/name`. */
export function conditionEvidence(kind: string, objects: readonly unknown[]): ConditionEvidence[] {
  const out: ConditionEvidence[] = [];
  for (const object of objects) {
    const status = fields(object).status;
    for (const raw of items(fields(status).conditions)) {
      const c = fields(raw);
      const reason = text(c.reason);
      const message = text(c.message);
      out.push({
        object: `${kind}/${nameOf(object)}`,
        type: text(c.type) ?? "(unknown)",
        status: text(c.status) ?? "Unknown",
        ...(reason === undefined ? {} : { reason }),
        ...(message === undefined ? {} : { message }),
      });
    }
  }
  return out;
}

export function sortedByName<T>(objects: readonly T[]): T[] {
  return [...objects].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
}

/** The failed verdict a pod problem proves, its facts added to the evidence. */
export function problemVerdict(problem: PodProblem, evidence: WaitEvidence): FailedVerdict {
  return {
    done: true,
    ok: false,
    failureClass: problem.failureClass,
    reason: problem.reason,
    evidence: {
      ...evidence,
      pod: problem.pod,
      ...(problem.container === undefined ? {} : { container: problem.container }),
      ...(problem.image === undefined ? {} : { image: problem.image }),
      ...(problem.exitCode === undefined ? {} : { exitCode: problem.exitCode }),
      ...(problem.restartCount === undefined ? {} : { restartCount: problem.restartCount }),
      ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    },
  };
}
