import type { KubeRule } from "../../types.js";
import { parseImageRef } from "./image.js";
import { eachContainer } from "./pod.js";

export const slwK8s027: KubeRule = {
  id: "SLW-K8S-027",
  area: "kubernetes",
  title: "Image tag latest or missing",
  severity: "high",
  category: "reliability",
  rationale:
    "A :latest (or missing) tag changes under you: two replicas may run different code, and a rollback cannot return to what ran before.",
  remediation: "Deploy an immutable version tag, or better a digest.",
  snippet: "image: registry.example.com/shop:1.4.2   # or …/shop@sha256:…",
  peers: {
    polaris: [{ id: "tagNotSpecified", relation: "same" }],
    kubeScore: [{ id: "container-image-tag", relation: "same" }],
    kubeLinter: [{ id: "latest-tag", relation: "same" }],
    checkov: [{ id: "CKV_K8S_14", relation: "same" }],
    trivy: [{ id: "KSV-0013", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const image = c.container.image;
      if (typeof image !== "string") continue;
      const ref = parseImageRef(image);
      if (!ref.digest && (ref.tag === undefined || ref.tag === "latest")) {
        yield { message: `container '${c.name}' image ${image} ${ref.tag ? "uses :latest" : "has no tag"}`, path: [...c.path, "image"] };
      }
    }
  },
};
