import type { DockerRule } from "../../types.js";
import { finalStage } from "./helpers.js";

export const slwDf001: DockerRule = {
  id: "SLW-DF-001",
  area: "dockerfile",
  title: "Image runs as root (no USER)",
  severity: "high",
  category: "security",
  rationale:
    "Without a USER instruction the container's process runs as root unless every deployment overrides it; a compromise then starts with root in the container.",
  remediation: "Create an unprivileged user with a fixed numeric UID and switch to it in the final stage.",
  snippet: "RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin app\nUSER 10001:10001",
  peers: {
    checkov: [{ id: "CKV_DOCKER_3", relation: "same" }],
    trivy: [{ id: "DS-0002", relation: "looser", note: "flags only a missing USER; a last USER root is SLW-DF-002" }],
  },
  *check(df) {
    const stage = finalStage(df);
    if (stage && !stage.instructions.some((i) => i.keyword === "USER"))
      yield { message: "the final stage never switches to a non-root USER", line: stage.from.line };
  },
};
