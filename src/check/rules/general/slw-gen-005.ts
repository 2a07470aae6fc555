import type { GeneralRule } from "../../types.js";

export const slwGen005: GeneralRule = {
  id: "SLW-GEN-005",
  area: "general",
  title: "File not recognised",
  severity: "low",
  category: "operability",
  rationale:
    "A YAML or JSON file that is none of the kinds slipway checks (no document with apiVersion and kind, not Terraform JSON, a workflow or a GitLab CI file) is skipped; it is listed so that a manifest slipway failed to recognise is not silently left unchecked.",
  remediation:
    "Nothing to do for files that are not deployment files (Helm values, app config). For a manifest, make sure each document is a mapping with apiVersion and kind.",
  snippet: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web",
  peers: {},
};
