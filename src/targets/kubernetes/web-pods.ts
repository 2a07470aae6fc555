/**
 * The serving Deployment's pods, as the renderer labels them, and whether one is Ready: the one
 * definition the rollout waiter, `status`, `logs` and `exec` share.
 */
import { findCondition } from "./waiters/kube-objects.js";

/** The label selector of the app's web pods (render/kubernetes selectorLabels of component `web`). */
export function webSelector(app: string): string {
  return `app.kubernetes.io/instance=${app},app.kubernetes.io/component=web`;
}

/**
 * The pod's Ready condition: true (`Ready=True`), false (`Ready=False`), or undefined while the
 * kubelet has not reported it (no condition yet, or `Unknown`). Never throws, whatever the shape.
 */
export function podReady(pod: unknown): boolean | undefined {
  const status = findCondition(pod, "Ready")?.status;
  return status === "True" ? true : status === "False" ? false : undefined;
}
