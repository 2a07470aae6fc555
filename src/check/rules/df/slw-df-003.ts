import type { DockerRule } from "../../types.js";
import { parseImageRef } from "../k8s/image.js";
import { isStageRef } from "./helpers.js";

export const slwDf003: DockerRule = {
  id: "SLW-DF-003",
  area: "dockerfile",
  title: "Base image latest or untagged",
  severity: "medium",
  category: "reliability",
  rationale:
    "FROM an untagged or :latest image builds on whatever was published last: two builds of the same commit can differ, and a new major version breaks the build without a change.",
  remediation: "Use a version tag (and ideally the digest).",
  snippet: "FROM node:24.11-bookworm-slim@sha256:…",
  peers: {
    checkov: [{ id: "CKV_DOCKER_7", relation: "same" }],
    trivy: [{ id: "DS-0001", relation: "same" }],
    hadolint: [
      { id: "DL3006", relation: "stricter", note: "also flags an explicit :latest tag (DL3007)" },
      { id: "DL3007", relation: "stricter", note: "also flags an image without a tag (DL3006)" },
    ],
  },
  *check(df) {
    for (const stage of df.stages) {
      const image = stage.image;
      if (image.toLowerCase() === "scratch" || isStageRef(df, image) || image.includes("$")) continue;
      const ref = parseImageRef(image);
      if (!ref.digest && (ref.tag === undefined || ref.tag === "latest"))
        yield { message: `FROM ${image} ${ref.tag ? "uses :latest" : "has no tag"}`, line: stage.from.line };
    }
  },
};
