import type { DockerRule } from "../../types.js";

export const slwDf013: DockerRule = {
  id: "SLW-DF-013",
  area: "dockerfile",
  title: "SSH port exposed",
  severity: "medium",
  category: "security",
  rationale: "EXPOSE 22 means an SSH server in the image: a second way in, outside the platform's access control.",
  remediation: "Remove the SSH server; use the orchestrator's exec for debugging.",
  snippet: "EXPOSE 3000",
  peers: { checkov: [{ id: "CKV_DOCKER_1", relation: "same" }], trivy: [{ id: "DS-0004", relation: "same" }] },
  *check(df) {
    for (const ins of df.instructions) {
      if (ins.keyword === "EXPOSE" && ins.rest.split(/\s+/).some((p) => /^22(\/tcp)?$/i.test(p)))
        yield { message: "EXPOSE 22", line: ins.line };
    }
  },
};
