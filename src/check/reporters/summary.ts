import { atLeast } from "../run-check.js";
import { type CheckReport, type Finding, type Severity, severities } from "../types.js";

export interface ReportView {
  report: CheckReport;
  /** Findings at or above this severity are shown and fail the check. */
  minSeverity: Severity;
  /** Also list waived findings. */
  showWaived: boolean;
}

export interface Summary {
  /** Unwaived findings at or above the threshold, per severity. */
  counts: Record<Severity, number>;
  total: number;
  waived: number;
  inputs: number;
  /** Inputs read but not checked: none of the kinds slipway checks (SLW-GEN-004/005 name them). */
  skipped: number;
  objects: number;
  /** Some input could not be parsed (exit code 2). */
  parseErrors: number;
}

/** Findings to show: at or above the threshold; waived ones only when asked. */
export function visibleFindings(view: ReportView): Finding[] {
  return view.report.findings.filter((f) => atLeast(f.severity, view.minSeverity) && (view.showWaived || !f.waived));
}

export function summarize(view: ReportView): Summary {
  const counts = Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  let waived = 0;
  for (const f of view.report.findings) {
    if (!atLeast(f.severity, view.minSeverity)) continue;
    if (f.waived) waived++;
    else counts[f.severity]++;
  }
  return {
    counts,
    total: severities.reduce((n, s) => n + counts[s], 0),
    waived,
    inputs: view.report.inputs.length,
    skipped: view.report.inputs.filter((i) => i.kind === "unknown").length,
    objects: view.report.inputs.reduce((n, i) => n + i.objects, 0),
    parseErrors: view.report.findings.filter((f) => f.ruleId === "SLW-GEN-001" && !f.waived).length,
  };
}

/** `deploy/app.yaml:12`, or the object for rendered findings. */
export function where(f: Finding): string {
  if (f.file === undefined) return f.object ?? f.label;
  return f.line === undefined ? f.file : `${f.file}:${f.line}`;
}
