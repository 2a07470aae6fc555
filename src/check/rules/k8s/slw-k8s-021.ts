import type { KubeRule } from "../../types.js";
import { eachContainer, list, podTemplateOf, record } from "./pod.js";

export const slwK8s021: KubeRule = {
  id: "SLW-K8S-021",
  area: "kubernetes",
  title: "emptyDir without a size limit",
  severity: "low",
  category: "efficiency",
  rationale: "An emptyDir without sizeLimit can fill the node's disk; the kubelet then evicts every pod on the node, not just this one.",
  remediation: "Give every emptyDir a sizeLimit, or set ephemeral-storage requests and limits on the containers.",
  snippet: "volumes:\n  - name: tmp\n    emptyDir: { sizeLimit: 256Mi }",
  peers: {},
  *check(s) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    const limited = [...eachContainer(s)].every(({ c }) => record(record(c.container.resources).limits)["ephemeral-storage"] !== undefined);
    if (limited) return;
    const volumes = list(pod.spec.volumes);
    for (let i = 0; i < volumes.length; i++) {
      const v = record(volumes[i]);
      if (v.emptyDir !== undefined && record(v.emptyDir).sizeLimit === undefined && record(v.emptyDir).medium !== "Memory") {
        yield { message: `emptyDir volume '${String(v.name ?? i)}' has no sizeLimit`, path: [...pod.specPath, "volumes", i, "emptyDir"] };
      }
    }
  },
};
