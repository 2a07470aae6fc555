import { isRecord } from "../../inputs/kubernetes.js";
import type { CiRule, DocPath } from "../../types.js";
import { parseImageRef } from "../k8s/image.js";
import { gitlabJobs } from "./helpers.js";

export const slwCi011: CiRule = {
  id: "SLW-CI-011",
  area: "ci",
  title: "CI image not pinned",
  severity: "low",
  category: "reliability",
  rationale:
    "image: node or :latest changes between pipelines; a green pipeline yesterday fails today with no change of yours, or runs a compromised image.",
  remediation: "Use a version tag, ideally with its digest.",
  snippet: "image: node:24.11-bookworm-slim",
  peers: {},
  *check(ci) {
    if (ci.system !== "gitlab-ci") return;
    const check = function* (value: unknown, path: DocPath) {
      const image = typeof value === "string" ? value : isRecord(value) && typeof value.name === "string" ? value.name : undefined;
      if (!image || image.includes("$")) return;
      const ref = parseImageRef(image);
      if (!ref.digest && (ref.tag === undefined || ref.tag === "latest"))
        yield { message: `image ${image} is not pinned to a version`, path };
    };
    yield* check(ci.data.image, ["image"]);
    if (isRecord(ci.data.default)) yield* check(ci.data.default.image, ["default", "image"]);
    for (const j of gitlabJobs(ci)) yield* check(j.job.image, [...j.path, "image"]);
  },
};
