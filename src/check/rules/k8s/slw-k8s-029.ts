import type { KubeRule } from "../../types.js";
import { parseImageRef } from "./image.js";
import { eachContainer } from "./pod.js";

export const slwK8s029: KubeRule = {
  id: "SLW-K8S-029",
  area: "kubernetes",
  title: "Image not pinned by digest",
  severity: "low",
  category: "security",
  rationale:
    "A tag can be moved to different content; only a digest guarantees that every node runs the bytes that were tested and scanned.",
  remediation: "Deploy by digest (slipway render --digest sha256:…).",
  snippet: "image: registry.example.com/shop@sha256:3f1c…",
  peers: { checkov: [{ id: "CKV_K8S_43", relation: "same" }] },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      if (typeof c.container.image === "string" && !parseImageRef(c.container.image).digest) {
        yield { message: `container '${c.name}' image ${c.container.image} is not pinned by digest`, path: [...c.path, "image"] };
      }
    }
  },
};
