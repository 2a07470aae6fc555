import type { GeneralRule } from "../../types.js";

export const slwGen004: GeneralRule = {
  id: "SLW-GEN-004",
  area: "general",
  title: "Input not checked",
  severity: "medium",
  category: "operability",
  rationale:
    "slipway could not turn this input into something to check (a Helm chart without the helm binary, an unknown file kind); its problems stay hidden.",
  remediation: "Install the missing tool (e.g. helm) or pass the rendered output instead (helm template … | slipway check -).",
  snippet: "helm template shop chart/ -f chart/values-production.yaml | slipway check -",
  peers: {},
};
