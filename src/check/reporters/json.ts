import type { Finding } from "../types.js";
import { type ReportView, type Summary, summarize, visibleFindings } from "./summary.js";

export interface JsonReport {
  summary: Summary & { minSeverity: string; passed: boolean };
  findings: (Finding & { location: string })[];
  inputs: ReportView["report"]["inputs"];
}

/** The data behind `--format json` (wrapped in {ok, result} by the CLI). */
export function jsonReport(view: ReportView): JsonReport {
  const summary = summarize(view);
  return {
    summary: { ...summary, minSeverity: view.minSeverity, passed: summary.total === 0 && summary.parseErrors === 0 },
    findings: visibleFindings(view).map((f) => ({
      ...f,
      location: findingLocation(f),
    })),
    inputs: view.report.inputs,
  };
}

/** Where a finding is: `file:line`, or the object (`namespace/Kind/name`) of a rendered input. */
export function findingLocation(f: Finding): string {
  return f.file === undefined ? (f.object ?? f.label) : `${f.file}${f.line === undefined ? "" : `:${f.line}`}`;
}
