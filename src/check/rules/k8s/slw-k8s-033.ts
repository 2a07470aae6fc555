import type { KubeRule } from "../../types.js";
import { effectiveReplicas, record, selectedWorkloads } from "./pod.js";

export const slwK8s033: KubeRule = {
  id: "SLW-K8S-033",
  area: "kubernetes",
  title: "PodDisruptionBudget allows no disruption",
  severity: "high",
  category: "operability",
  rationale:
    "A budget of maxUnavailable: 0 (or minAvailable equal to the replicas) blocks every node drain: cluster upgrades hang until someone deletes the budget.",
  remediation: "Allow at least one pod to be unavailable.",
  snippet: "spec:\n  maxUnavailable: 1",
  peers: {
    polaris: [
      { id: "pdbDisruptionsIsZero", relation: "same" },
      { id: "pdbMinAvailableGreaterThanHPAMinReplicas", relation: "same" },
    ],
    kubeLinter: [
      { id: "pdb-max-unavailable", relation: "same" },
      { id: "pdb-min-available", relation: "same" },
    ],
  },
  *check(s, ctx) {
    if (s.kind !== "PodDisruptionBudget") return;
    const spec = record(s.object.spec);
    const max = spec.maxUnavailable;
    if (max === 0 || max === "0" || max === "0%") {
      yield { message: "maxUnavailable is 0: no pod may ever be evicted", path: ["spec", "maxUnavailable"] };
      return;
    }
    const min = spec.minAvailable;
    if (min === "100%") {
      yield { message: "minAvailable is 100%: no pod may ever be evicted", path: ["spec", "minAvailable"] };
      return;
    }
    if (typeof min === "number") {
      for (const w of selectedWorkloads(ctx, s.namespace, spec.selector)) {
        const replicas = effectiveReplicas(w, ctx);
        if (replicas !== undefined && min >= replicas) {
          yield {
            message: `minAvailable ${min} ≥ the ${replicas} replica(s) of ${w.ref}: no pod may be evicted`,
            path: ["spec", "minAvailable"],
          };
        }
      }
    }
  },
};
