import type { GeneralRule } from "../../types.js";

export const slwGen003: GeneralRule = {
  id: "SLW-GEN-003",
  area: "general",
  title: "Malformed waiver",
  severity: "medium",
  category: "operability",
  rationale: "A waiver needs a rule ID and a reason (and optionally `until YYYY-MM-DD`); one without them waives nothing.",
  remediation: "Write the waiver as RULE-ID=reason, optionally followed by `until YYYY-MM-DD`.",
  snippet: "# slipway:waive SLW-TF-008=bastion host, reviewed by security until 2027-01-31",
  peers: {},
};
