import type { DockerRule } from "../../types.js";
import { finalStage } from "./helpers.js";

export const slwDf012: DockerRule = {
  id: "SLW-DF-012",
  area: "dockerfile",
  title: "No HEALTHCHECK outside Kubernetes",
  severity: "low",
  category: "reliability",
  rationale:
    "Plain Docker, Compose and ECS rely on HEALTHCHECK to notice a hung app. Kubernetes ignores it (probes do that job), so when slipway.yaml deploys the image only to Kubernetes this is not a finding.",
  remediation: "Add a HEALTHCHECK when the image runs outside Kubernetes.",
  snippet: "HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:3000/up || exit 1",
  peers: {
    checkov: [
      {
        id: "CKV_DOCKER_2",
        relation: "looser",
        note: "not flagged when a slipway.yaml beside the Dockerfile deploys it only to Kubernetes, where probes replace HEALTHCHECK",
      },
    ],
    trivy: [
      {
        id: "DS-0026",
        relation: "looser",
        note: "not flagged when a slipway.yaml beside the Dockerfile deploys it only to Kubernetes, where probes replace HEALTHCHECK",
      },
    ],
  },
  *check(df, ctx) {
    if (ctx.kubernetesOnly === true) return;
    const stage = finalStage(df);
    if (stage && !stage.instructions.some((i) => i.keyword === "HEALTHCHECK"))
      yield { message: "no HEALTHCHECK (ignored when slipway.yaml deploys only to Kubernetes)", line: stage.from.line };
  },
};
