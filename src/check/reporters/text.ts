import type { Colors } from "../../output/colors.js";
import { severityRank } from "../run-check.js";
import type { Finding, Severity } from "../types.js";
import { type ReportView, summarize, visibleFindings, where } from "./summary.js";

/** Human report: findings grouped by file (or rendered environment), then by severity. */
export function textReport(view: ReportView, colors: Colors): string {
  const paint: Record<Severity, (s: string) => string> = {
    critical: (s) => colors.bold(colors.red(s)),
    high: colors.red,
    medium: colors.yellow,
    low: colors.dim,
  };
  const groups = new Map<string, Finding[]>();
  for (const f of visibleFindings(view)) {
    const key = f.file ?? f.label;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  let out = "";
  for (const [group, findings] of groups) {
    out += `${colors.bold(group)}\n`;
    const sorted = [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (a.line ?? 0) - (b.line ?? 0));
    let current: Severity | undefined;
    for (const f of sorted) {
      if (f.severity !== current) {
        current = f.severity;
        out += `  ${paint[f.severity](f.severity.toUpperCase())}\n`;
      }
      const object = f.object && f.file !== undefined ? colors.dim(`  (${f.object})`) : "";
      const waived = f.waived ? colors.dim(`  [waived: ${f.waived.reason}${f.waived.until ? ` until ${f.waived.until}` : ""}]`) : "";
      out += `    ${where(f)}  ${colors.cyan(f.ruleId)}  ${f.title}: ${f.message}${object}${waived}\n`;
    }
    out += "\n";
  }
  const s = summarize(view);
  const parts = (["critical", "high", "medium", "low"] as const).filter((k) => s.counts[k] > 0).map((k) => paint[k](`${s.counts[k]} ${k}`));
  const read = `${s.inputs} input${s.inputs === 1 ? "" : "s"}${s.skipped > 0 ? ` read, ${s.skipped} of them skipped as none of the kinds slipway checks` : ""}`;
  const checked = `${read}, ${s.objects} object${s.objects === 1 ? "" : "s"}`;
  const waived = s.waived > 0 ? `; ${s.waived} waived${view.showWaived ? "" : " (--show-waived lists them)"}` : "";
  if (s.total === 0) out += `${colors.green("✓")} no findings at ${view.minSeverity} or above (${checked})${waived}\n`;
  else {
    out += `${colors.red("✗")} ${s.total} finding${s.total === 1 ? "" : "s"}: ${parts.join(", ")} (${checked})${waived}\n`;
    out += colors.dim("  `slipway rules <ID>` explains a rule and shows a fix.\n");
  }
  return out;
}
