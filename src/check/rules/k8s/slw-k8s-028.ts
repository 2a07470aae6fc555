import type { KubeRule } from "../../types.js";
import { parseImageRef } from "./image.js";
import { eachContainer } from "./pod.js";

export const slwK8s028: KubeRule = {
  id: "SLW-K8S-028",
  area: "kubernetes",
  title: "Image pull policy not Always",
  severity: "low",
  category: "security",
  rationale:
    "With IfNotPresent a node reuses a cached image for a tag that may have been overwritten, and skips the registry's check that the pod may pull it.",
  remediation: "Set imagePullPolicy: Always, or deploy by digest.",
  snippet: "imagePullPolicy: Always",
  peers: {
    polaris: [{ id: "pullPolicyNotAlways", relation: "same" }],
    kubeScore: [{ id: "container-image-pull-policy", relation: "same" }],
    checkov: [{ id: "CKV_K8S_15", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const ref = typeof c.container.image === "string" ? parseImageRef(c.container.image) : undefined;
      if (ref?.digest) continue;
      // Unset, Kubernetes defaults the policy to Always for :latest and untagged images (IfNotPresent otherwise).
      const policy = c.container.imagePullPolicy ?? (ref && (ref.tag === undefined || ref.tag === "latest") ? "Always" : undefined);
      if (policy !== "Always") {
        yield {
          message: `container '${c.name}' imagePullPolicy is ${String(c.container.imagePullPolicy ?? "unset")}`,
          path: [...c.path, "imagePullPolicy"],
        };
      }
    }
  },
};
