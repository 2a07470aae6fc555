import { sha256Hex } from "../../render/sha256.js";
import type { Severity } from "../types.js";
import { type ReportView, visibleFindings } from "./summary.js";

/** GitLab's code quality severities, from slipway's. */
const severities: Readonly<Record<Severity, string>> = {
  critical: "blocker",
  high: "critical",
  medium: "major",
  low: "minor",
};

/**
 * GitLab's code quality report (a CodeClimate subset: description, check_name, fingerprint,
 * severity, location.path, location.lines.begin), for `artifacts: reports: codequality`. Waived
 * findings are left out: the merge request widget shows what needs work. A rendered object without
 * a file is placed on the spec (`renderedPath`), where the fix goes.
 */
export function codequalityReport(view: ReportView, options: { renderedPath: string | undefined }): object[] {
  return visibleFindings(view)
    .filter((f) => f.waived === undefined)
    .map((f) => {
      const path = f.file ?? options.renderedPath ?? f.label;
      return {
        description: `${f.ruleId} ${f.title}: ${f.message}`,
        check_name: f.ruleId,
        fingerprint: sha256Hex(JSON.stringify([f.ruleId, path, f.object ?? "", f.path ?? "", f.message])),
        severity: severities[f.severity],
        location: { path, lines: { begin: f.line ?? 1 } },
      };
    });
}
