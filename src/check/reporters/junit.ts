import type { Finding } from "../types.js";
import { type ReportView, summarize, visibleFindings, where } from "./summary.js";

/** JUnit XML: one suite per file (or rendered environment), one failing case per finding. */
export function junitReport(view: ReportView): string {
  const findings = visibleFindings(view);
  const suites = new Map<string, Finding[]>();
  for (const input of view.report.inputs) suites.set(input.file ?? input.label, []);
  for (const f of findings) {
    const key = f.file ?? f.label;
    const list = suites.get(key);
    if (list) list.push(f);
    else suites.set(key, [f]);
  }
  const s = summarize(view);
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="slipway check" tests="${Math.max(findings.length, suites.size)}" failures="${s.total}">\n`;
  for (const [name, list] of suites) {
    const failing = list.filter((f) => !f.waived).length;
    const skipped = list.length - failing;
    xml += `  <testsuite name="${esc(name)}" tests="${Math.max(list.length, 1)}" failures="${failing}" skipped="${skipped}">\n`;
    if (list.length === 0) xml += `    <testcase classname="${esc(name)}" name="no findings"/>\n`;
    for (const f of list) {
      const caseName = `${f.ruleId} ${f.object ?? where(f)}`;
      xml += `    <testcase classname="${esc(name)}" name="${esc(caseName)}" file="${esc(f.file ?? "")}"${f.line !== undefined ? ` line="${f.line}"` : ""}>\n`;
      if (f.waived) xml += `      <skipped message="${esc(`waived: ${f.waived.reason}`)}"/>\n`;
      else
        xml += `      <failure type="${f.severity}" message="${esc(`${f.title}: ${f.message}`)}">${esc(`${where(f)} ${f.ruleId} [${f.severity}] ${f.message}`)}</failure>\n`;
      xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n";
  }
  return `${xml}</testsuites>\n`;
}

function esc(s: string): string {
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    // XML 1.0 forbids most C0 control characters, even escaped: drop them.
    if (code < 0x20 && code !== 9 && code !== 10 && code !== 13) continue;
    out += ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch === "&" ? "&amp;" : ch === '"' ? "&quot;" : ch === "'" ? "&apos;" : ch;
  }
  return out;
}
