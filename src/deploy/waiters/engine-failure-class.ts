import type { FailureClass } from "../events.js";
import type { KubeFailureClass, WaitFailureClass } from "./types.js";

/**
 * The engine class closest to each Kubernetes class; undefined where the engine has none yet
 * (image-pull, config-error, unschedulable — to be added to FailureClass in events.ts).
 * A Record so that a new KubeFailureClass does not compile until it is mapped.
 */
const ENGINE_CLASS: Readonly<Record<KubeFailureClass, FailureClass | undefined>> = {
  "crash-loop": "process-exited",
  "oom-killed": "process-exited",
  "readiness-failed": "health-failed",
  "progress-deadline": "health-timeout",
  "job-failed": "migration-failed",
  "image-pull": undefined,
  "config-error": undefined,
  unschedulable: undefined,
};

/** Maps a waiter's failure class to the engine's, or undefined when the engine has no such class. */
export function engineFailureClass(failureClass: WaitFailureClass): FailureClass | undefined {
  return Object.hasOwn(ENGINE_CLASS, failureClass) ? ENGINE_CLASS[failureClass as KubeFailureClass] : (failureClass as FailureClass);
}
