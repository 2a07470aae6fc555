import type { KubeRule } from "../../types.js";
import { limitDiffersFromRequest } from "./resources.js";

export const slwK8s081: KubeRule = {
  id: "SLW-K8S-081",
  area: "kubernetes",
  title: "Ephemeral-storage limit differs from request",
  severity: "low",
  category: "reliability",
  rationale:
    "The scheduler places pods by their ephemeral-storage request; a pod that writes up to a higher limit can fill the node's disk, and the kubelet then evicts pods — possibly others — to reclaim it.",
  remediation: "Set the ephemeral-storage limit equal to the request.",
  snippet: "resources:\n  requests: { ephemeral-storage: 1Gi }\n  limits: { ephemeral-storage: 1Gi }",
  peers: { kubeScore: [{ id: "container-ephemeral-storage-request-equals-limit", relation: "same" }] },
  check: (s) => limitDiffersFromRequest(s, "ephemeral-storage"),
};
