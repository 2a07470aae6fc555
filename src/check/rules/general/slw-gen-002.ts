import type { GeneralRule } from "../../types.js";

export const slwGen002: GeneralRule = {
  id: "SLW-GEN-002",
  area: "general",
  title: "Waiver expired",
  severity: "medium",
  category: "operability",
  rationale:
    "A waiver is a promise to fix something by a date; once the date passes the finding counts again and the stale waiver is reported.",
  remediation: "Fix the finding and remove the waiver, or renew it with a new date and a reason.",
  snippet: 'slipway.dev/waive: "SLW-K8S-030=one replica until the queue is drained until 2027-03-01"',
  peers: {},
};
