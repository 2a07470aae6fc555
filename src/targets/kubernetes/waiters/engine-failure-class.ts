import type { FailureClass } from "../../../deploy/events.js";
import type { KubeFailureClass, WaitFailureClass } from "./types.js";

/**
 * The engine class for each Kubernetes class. A Record so that a new KubeFailureClass does not
 * compile until it is mapped.
 */
const ENGINE_CLASS: Readonly<Record<KubeFailureClass, FailureClass>> = {
  "crash-loop": "crash-loop",
  "oom-killed": "oom-killed",
  "image-pull": "image-pull",
  "config-error": "config-error",
  unschedulable: "unschedulable",
  "readiness-failed": "health-failed",
  "progress-deadline": "health-timeout",
  "job-failed": "migration-failed",
};

/** Maps a waiter's failure class to the engine's. */
export function engineFailureClass(failureClass: WaitFailureClass): FailureClass {
  return Object.hasOwn(ENGINE_CLASS, failureClass) ? ENGINE_CLASS[failureClass as KubeFailureClass] : (failureClass as FailureClass);
}
