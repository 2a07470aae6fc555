import type { KubeRule } from "../../types.js";
import { podTemplateOf } from "./pod.js";

export const slwK8s008: KubeRule = {
  id: "SLW-K8S-008",
  area: "kubernetes",
  title: "Host network namespace",
  severity: "high",
  category: "security",
  rationale:
    "A pod with hostNetwork: true shares the node's network: it can sniff traffic and reach services bound to localhost on the node.",
  remediation: "Remove hostNetwork from the pod spec.",
  snippet: "spec:\n  hostNetwork: false",
  peers: {
    polaris: [{ id: "hostNetworkSet", relation: "same" }],
    kubeLinter: [{ id: "host-network", relation: "same" }],
    checkov: [{ id: "CKV_K8S_19", relation: "same" }],
    trivy: [{ id: "KSV-0009", relation: "same" }],
  },
  *check(s) {
    const pod = podTemplateOf(s);
    if (pod?.spec.hostNetwork === true)
      yield { message: "the pod shares the node's network namespace (hostNetwork: true)", path: [...pod.specPath, "hostNetwork"] };
  },
};
