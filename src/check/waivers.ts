/*
 * Waivers: accepted findings, each with a reason and optionally an expiry date. Three places
 * declare them — an object annotation, a comment in Terraform/Dockerfile/CI files, and the
 * spec's `checks.waivers` — and all end up as a ScopedWaiver that the runner matches.
 */
import type { Finding, Waiver } from "./types.js";

export const waiveAnnotation = "slipway.dev/waive";
// `# …` or `// …`, and in Terraform's JSON syntax a "//" property (its comment): "//": "slipway:waive …".
const commentMarker = /(?:#|\/\/)\s*slipway:waive\s+(.+)$/;
const jsonCommentMarker = /^\s*"\/\/":\s*"slipway:waive\s+(.+)",?$/;

export interface ParsedWaiver {
  rule: string;
  reason: string;
  until: string | undefined;
}

export interface WaiverError {
  text: string;
  message: string;
}

/**
 * `SLW-K8S-012=reason until 2027-03-01`; several separated by `;` or new lines.
 * Returns the waivers that parse and an error for each that does not.
 */
export function parseWaiverText(text: string): { waivers: ParsedWaiver[]; errors: WaiverError[] } {
  const waivers: ParsedWaiver[] = [];
  const errors: WaiverError[] = [];
  for (const raw of text.split(/[;\n]/)) {
    const part = raw.trim();
    if (part === "") continue;
    const m = /^(SLW-[A-Z0-9]+-\d{3})\s*(?:=\s*(.*))?$/.exec(part);
    if (!m) {
      errors.push({ text: part, message: `'${part}' is not RULE-ID=reason` });
      continue;
    }
    let reason = (m[2] ?? "").trim();
    let until: string | undefined;
    const u = /\s*\buntil\s+(\S+)\s*$/.exec(reason);
    if (u) {
      until = u[1] ?? "";
      reason = reason.slice(0, u.index).trim();
    }
    const checked = checkWaiver(m[1] as string, reason, until, part);
    if ("message" in checked) errors.push(checked);
    else waivers.push(checked);
  }
  return { waivers, errors };
}

/**
 * One waiver given as fields (the spec's `checks.waivers` entries): nothing is split, so a reason may
 * hold `;` or `=` as written.
 */
export function checkWaiver(rule: string, reason: string, until: string | undefined, text: string): ParsedWaiver | WaiverError {
  if (!/^SLW-[A-Z0-9]+-\d{3}$/.test(rule)) return { text, message: `'${rule}' is not a rule ID (SLW-AREA-NNN)` };
  if (until !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until))))
    return { text, message: `waiver for ${rule}: '${until}' is not a date (YYYY-MM-DD)` };
  const trimmed = reason.trim();
  if (trimmed.length < 3) return { text, message: `waiver for ${rule} has no reason: write ${rule}=why it is accepted` };
  return { rule, reason: trimmed, until };
}

/** A waiver with what it applies to. */
export interface ScopedWaiver extends Waiver {
  /** Applies to findings in this file (undefined: any file). */
  scopeFile?: string | undefined;
  /** Applies to findings on this object ref or resource address (undefined: any). */
  scopeObject?: string | undefined;
  /** Applies to findings on these lines of scopeFile. */
  scopeLines?: { start: number; end: number } | undefined;
  /** Applies to findings whose file or object contains this text (the spec's `path`). */
  scopePath?: string | undefined;
}

/** Comment waivers in a text, with the line each comment sits on. */
export function commentWaivers(lines: readonly string[]): { line: number; waivers: ParsedWaiver[]; errors: WaiverError[] }[] {
  const out: { line: number; waivers: ParsedWaiver[]; errors: WaiverError[] }[] = [];
  lines.forEach((text, i) => {
    const m = jsonCommentMarker.exec(text) ?? commentMarker.exec(text);
    if (m) out.push({ line: i + 1, ...parseWaiverText((m[1] ?? "").replace(/\s*\*\/\s*$/, "")) });
  });
  return out;
}

/** Whether a scoped waiver covers a finding. */
export function covers(w: ScopedWaiver, f: Finding): boolean {
  if (w.rule !== f.ruleId) return false;
  if (w.scopeFile !== undefined && w.scopeFile !== f.file) return false;
  if (w.scopeObject !== undefined && w.scopeObject !== f.object) return false;
  if (w.scopeLines !== undefined && (f.line === undefined || f.line < w.scopeLines.start || f.line > w.scopeLines.end)) return false;
  if (w.scopePath !== undefined) {
    const p = w.scopePath;
    const inFile = f.file !== undefined && (f.file === p || f.file.endsWith(`/${p}`) || f.file.startsWith(p.endsWith("/") ? p : `${p}/`));
    const onObject = f.object !== undefined && (f.object === p || f.object.endsWith(`/${p}`) || f.object.endsWith(p));
    if (!inFile && !onObject) return false;
  }
  return true;
}

export function isExpired(w: { until: string | undefined }, today: string): boolean {
  return w.until !== undefined && w.until < today;
}
