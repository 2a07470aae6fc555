import type { GeneralRule } from "../../types.js";

export const slwGen001: GeneralRule = {
  id: "SLW-GEN-001",
  area: "general",
  title: "Input cannot be parsed",
  severity: "high",
  category: "operability",
  rationale: "A file slipway cannot read is a file nobody checked; a syntax error also fails the real deploy.",
  remediation: "Fix the syntax at the reported line, or exclude the file from the paths given to slipway check.",
  snippet: "slipway check k8s/ terraform/   # check only the folders that hold deployment files",
  peers: {},
};
