import { describePeerCheck, peerChecks, peerNames } from "../peers.js";
import type { Finding, Rule, Severity } from "../types.js";
import { type ReportView, visibleFindings } from "./summary.js";

const level: Record<Severity, "error" | "warning" | "note"> = { critical: "error", high: "error", medium: "warning", low: "note" };
/** GitHub code scanning reads this property to rank security results. */
const securitySeverity: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "2.0" };

export interface SarifOptions {
  toolVersion: string;
  /** Where findings on rendered objects point (the spec file), relative to the repository root. */
  renderedUri?: string | undefined;
}

/** SARIF 2.1.0, as GitHub code scanning and other viewers read it. */
export function sarifReport(view: ReportView, options: SarifOptions): Record<string, unknown> {
  const rules = [...view.report.rules].sort((a, b) => (a.id < b.id ? -1 : 1));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = visibleFindings(view).map((f) => result(f, index.get(f.ruleId), options));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "slipway",
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            informationUri: "https://github.com/slipway-dev/slipway",
            rules: rules.map(descriptor),
          },
        },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

function descriptor(r: Rule): Record<string, unknown> {
  const peers = peerChecks(r.peers).map(({ peer, check }) => `${peerNames[peer]} ${describePeerCheck(check)}`);
  return {
    id: r.id,
    name: r.title
      .replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))
      .replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale },
    help: {
      text: `${r.remediation}\n\n${r.snippet}`,
      markdown: `${r.rationale}\n\n**Fix:** ${r.remediation}\n\n\`\`\`\n${r.snippet}\n\`\`\`${peers.length > 0 ? `\n\nEquivalent checks — ${peers.join("; ")}` : ""}`,
    },
    defaultConfiguration: { level: level[r.severity] },
    properties: {
      tags: [r.category, r.area],
      precision: "high",
      "security-severity": securitySeverity[r.severity],
      "problem.severity": level[r.severity] === "note" ? "recommendation" : level[r.severity],
    },
  };
}

function result(f: Finding, ruleIndex: number | undefined, options: SarifOptions): Record<string, unknown> {
  const uri = f.file ?? options.renderedUri;
  const location: Record<string, unknown> = {};
  if (uri !== undefined) {
    location.physicalLocation = {
      artifactLocation: { uri: toUri(uri), uriBaseId: "%SRCROOT%" },
      region: { startLine: f.file !== undefined ? (f.line ?? 1) : 1 },
    };
  }
  if (f.object !== undefined)
    location.logicalLocations = [{ fullyQualifiedName: f.path ? `${f.object}:${f.path}` : f.object, kind: "object" }];
  const message = f.file === undefined ? `${f.message} (${f.object ?? ""}, ${f.label})` : f.message;
  return {
    ruleId: f.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: level[f.severity],
    message: { text: `${f.title}: ${message}` },
    ...(Object.keys(location).length > 0 ? { locations: [location] } : {}),
    partialFingerprints: { "slipwayFinding/v1": fingerprint(f) },
    ...(f.waived
      ? {
          suppressions: [
            { kind: f.waived.source === "spec" ? "external" : "inSource", status: "accepted", justification: f.waived.reason },
          ],
        }
      : {}),
  };
}

/** Stable across line moves: rule, file or label, object and path. */
function fingerprint(f: Finding): string {
  const text = [f.ruleId, f.file ?? f.label, f.object ?? "", f.path ?? "", f.object ? "" : f.message].join("|");
  let h1 = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h1 ^= text.charCodeAt(i);
    h1 = Math.imul(h1, 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, "0");
}

function toUri(path: string): string {
  return encodeURI(path.replace(/\\/g, "/").replace(/^\.\//, "")).replace(/[?#]/g, (c) => encodeURIComponent(c));
}
