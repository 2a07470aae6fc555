/*
 * Whether a workload's pods serve traffic: what decides if readiness and liveness probes, or a
 * rollout strategy, matter for it.
 */
import type { KubeContext, KubeSubject } from "../../types.js";
import { candidates, containersOf, list, podTemplateOf, record, selects } from "./pod.js";

/**
 * true when a Service in the checked set selects the pods; when the set holds no Service in the
 * namespace (a Deployment checked on its own), when a container declares a port it listens on.
 * Pods that no Service selects while others are selected (workers, consumers) do not serve.
 */
export function servesTraffic(s: KubeSubject, ctx: KubeContext): boolean {
  const pod = podTemplateOf(s);
  if (!pod) return false;
  const services = ctx.byKind("Service", s.namespace);
  if (services.length === 0) return containersOf(pod, { init: false }).some((c) => list(c.container.ports).length > 0);
  return selectedByAService(s, ctx);
}

const servedIndex = Symbol("workloads a Service selects");

/** Whether a Service in the workload's namespace with a non-empty selector selects its pods. */
export function selectedByAService(s: KubeSubject, ctx: KubeContext): boolean {
  const served = ctx.memo(servedIndex, () => {
    const out = new Set<KubeSubject>();
    for (const svc of ctx.ofKind("Service")) {
      const sel = record(svc.object.spec).selector;
      if (Object.keys(record(sel)).length === 0) continue;
      for (const w of candidates(ctx, svc.namespace, sel)) if (selects(sel, w.pod.labels)) out.add(w.subject);
    }
    return out;
  });
  return served.has(s);
}
