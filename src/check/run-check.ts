import { formatPath } from "../errors/slipway-error.js";
import { catalogue } from "./catalogue.js";
import { isRecord, kubeContext } from "./inputs/kubernetes.js";
import { address } from "./inputs/terraform.js";
import { kubeRuleKinds } from "./kube-rule-kinds.js";
import type { CheckBatch } from "./parse-inputs.js";
import type {
  CheckIntent,
  CheckReport,
  CiRule,
  CiSubject,
  DockerRule,
  DocPath,
  Finding,
  KubeRule,
  Origin,
  Problem,
  Rule,
  Severity,
  TfBlock,
  TfContext,
  TfRule,
} from "./types.js";
import { checkWaiver, commentWaivers, covers, isExpired, parseWaiverText, type ScopedWaiver, waiveAnnotation } from "./waivers.js";

export interface SpecWaiverInput {
  rule: string;
  reason: string;
  until?: string | undefined;
  path?: string | undefined;
  /** Where the entry sits in slipway.yaml. */
  file: string;
  line: number | undefined;
}

export interface CheckOptions {
  /** Rule IDs or ID prefixes to run (e.g. SLW-K8S or SLW-TF-003); empty: all. */
  rules?: readonly string[];
  /** Rule IDs or prefixes to leave out. */
  skip?: readonly string[];
  /** Today's date, YYYY-MM-DD, for waiver expiry. */
  today: string;
  specWaivers?: readonly SpecWaiverInput[];
  /** Waivers that follow from the spec's declared intent (e.g. ingress.tls: false). */
  extraWaivers?: readonly ScopedWaiver[];
  /** A slipway.yaml next to the inputs deploys only to Kubernetes. */
  kubernetesOnly?: boolean | undefined;
  intent?: CheckIntent | undefined;
  /** The namespace objects without `metadata.namespace` are applied to (default: "default"). */
  namespace?: string | undefined;
}

/** Selects rules by --rule / --skip. General rules always run unless skipped by name. */
export function selectRules(options: Pick<CheckOptions, "rules" | "skip">): Rule[] {
  const matches = (id: string, patterns: readonly string[]) =>
    patterns.some((p) => id === p || id.startsWith(p.endsWith("-") ? p : `${p}-`));
  return catalogue.filter((r) => {
    if (options.skip && matches(r.id, options.skip)) return false;
    if (r.area === "general") return true;
    return !options.rules || options.rules.length === 0 || matches(r.id, options.rules);
  });
}

/** Runs the selected rules over a parsed batch, applies waivers and returns every finding. */
export function runCheck(batch: CheckBatch, options: CheckOptions): CheckReport {
  const rules = selectRules(options);
  const enabled = new Set(rules.map((r) => r.id));
  const byId = new Map(catalogue.map((r) => [r.id, r]));
  const findings: Finding[] = [];
  const waivers: ScopedWaiver[] = [...(options.extraWaivers ?? [])];

  const push = (ruleId: string, origin: Origin, line: number | undefined, message: string, object?: string, path?: DocPath) => {
    const rule = byId.get(ruleId);
    if (!rule || !enabled.has(ruleId)) return;
    findings.push({
      ruleId,
      title: rule.title,
      severity: rule.severity,
      category: rule.category,
      message,
      file: origin.file,
      label: origin.label,
      line,
      object,
      path: path && path.length > 0 ? formatPath(path) : undefined,
      waived: undefined,
    });
  };
  const waiverErrors = (origin: Origin, line: number | undefined, errors: { message: string }[]) => {
    for (const e of errors) push("SLW-GEN-003", origin, line, e.message);
  };

  for (const issue of batch.issues) push(issue.ruleId, issue.origin, issue.line, issue.message);

  // Kubernetes
  const kubeRules = rules.filter((r): r is KubeRule => r.area === "kubernetes");
  // The rules that can report on a kind, in catalogue order (kube-rule-kinds.ts).
  const rulesByKind = new Map<string, KubeRule[]>();
  const rulesFor = (kind: string): KubeRule[] => {
    let list = rulesByKind.get(kind);
    if (!list) {
      list = kubeRules.filter((r) => kubeRuleKinds.get(r.id)?.has(kind) ?? true);
      rulesByKind.set(kind, list);
    }
    return list;
  };
  for (const all of batch.kubeGroups) {
    // A kustomize `$patch: delete` stub removes an object from a base; it is not an object to check.
    const group = all.filter((s) => s.object.$patch !== "delete");
    const ctx = kubeContext(group, options.namespace);
    for (const subject of group) {
      const annotations = isRecord(subject.object.metadata) ? subject.object.metadata.annotations : undefined;
      const waiveText = isRecord(annotations) ? annotations[waiveAnnotation] : undefined;
      if (typeof waiveText === "string") {
        const line = subject.locate(["metadata", "annotations", waiveAnnotation]);
        const parsed = parseWaiverText(waiveText);
        waiverErrors(subject.origin, line, parsed.errors);
        for (const w of parsed.waivers) {
          waivers.push({
            ...w,
            source: "annotation",
            file: subject.origin.file,
            line,
            scopeObject: subject.ref,
            scopeFile: subject.origin.file,
          });
        }
      }
      // Rules × objects is the hot loop of a large check: no closure or array per call, and most
      // calls find nothing.
      for (const rule of rulesFor(subject.kind)) {
        let found: Problem[] | undefined;
        try {
          for (const p of rule.check(subject, ctx)) {
            if (found) found.push(p);
            else found = [p];
          }
        } catch {
          found = undefined; // as safely(): a rule that throws reports nothing for this object
        }
        if (!found) continue;
        for (const p of found) {
          const line = p.path ? (subject.locate(p.path) ?? subject.line) : subject.line;
          push(rule.id, subject.origin, p.line ?? line, p.message, subject.ref, p.path);
        }
      }
    }
  }

  // Terraform: one context over every file, so cross-resource rules see the whole module.
  if (batch.terraform.length > 0) {
    const blocks = batch.terraform.flatMap((f) => f.blocks);
    const byType = new Map<string, TfBlock[]>();
    for (const b of blocks) {
      if (b.type !== "resource") continue;
      const type = b.labels[0] ?? "";
      const list = byType.get(type);
      if (list) list.push(b);
      else byType.set(type, [b]);
    }
    const ctx: TfContext = { files: batch.terraform, blocks, resources: (t) => byType.get(t) ?? [], intent: options.intent };
    const originOf = new Map(batch.terraform.map((f) => [f.origin.file ?? f.origin.label, f.origin]));
    for (const rule of rules.filter((r): r is TfRule => r.area === "terraform")) {
      for (const p of safely(() => rule.check(ctx))) {
        const origin = originOf.get(p.block.file) ?? { file: p.block.file, label: p.block.file };
        push(rule.id, origin, p.line ?? p.block.line, p.message, address(p.block));
      }
    }
    for (const file of batch.terraform) {
      for (const c of commentWaivers(file.lines)) {
        waiverErrors(file.origin, c.line, c.errors);
        const block = file.blocks.find((b) => b.line <= c.line && c.line <= b.endLine) ?? file.blocks.find((b) => b.line > c.line);
        for (const w of c.waivers) {
          waivers.push({
            ...w,
            source: "comment",
            file: file.origin.file,
            line: c.line,
            scopeFile: file.origin.file,
            scopeLines: block ? { start: Math.min(block.line, c.line), end: block.endLine } : { start: c.line, end: c.line + 1 },
          });
        }
      }
    }
  }

  // Dockerfiles
  const dockerRules = rules.filter((r): r is DockerRule => r.area === "dockerfile");
  for (const df of batch.dockerfiles) {
    for (const rule of dockerRules) {
      for (const p of safely(() => rule.check(df, { kubernetesOnly: options.kubernetesOnly }))) push(rule.id, df.origin, p.line, p.message);
    }
    for (const c of commentWaivers(df.lines)) {
      waiverErrors(df.origin, c.line, c.errors);
      const next = df.instructions.find((ins) => ins.line > c.line);
      for (const w of c.waivers) {
        waivers.push({
          ...w,
          source: "comment",
          file: df.origin.file,
          line: c.line,
          scopeFile: df.origin.file,
          scopeLines: next ? { start: next.line, end: next.endLine } : { start: c.line, end: c.line },
        });
      }
    }
  }

  // CI
  const ciRules = rules.filter((r): r is CiRule => r.area === "ci");
  for (const ci of batch.ci) {
    for (const rule of ciRules) {
      for (const p of safely(() => rule.check(ci))) {
        const line = p.line ?? (p.path ? ci.locate(p.path) : undefined);
        push(rule.id, ci.origin, line, p.message, ciObject(ci, p.path), p.path);
      }
    }
    for (const c of commentWaivers(ci.lines)) {
      waiverErrors(ci.origin, c.line, c.errors);
      const range = yamlBlockAfter(ci.lines, c.line);
      for (const w of c.waivers) {
        waivers.push({ ...w, source: "comment", file: ci.origin.file, line: c.line, scopeFile: ci.origin.file, scopeLines: range });
      }
    }
  }

  for (const sw of options.specWaivers ?? []) {
    const checked = checkWaiver(sw.rule, sw.reason, sw.until, `${sw.rule}=${sw.reason}`);
    if ("message" in checked) waiverErrors({ file: sw.file, label: sw.file }, sw.line, [checked]);
    else waivers.push({ ...checked, source: "spec", file: sw.file, line: sw.line, scopePath: sw.path });
  }

  applyWaivers(findings, waivers, options.today, push);
  findings.sort(compareFindings);
  return { findings, inputs: batch.inputs, rules };
}

function applyWaivers(
  findings: Finding[],
  waivers: readonly ScopedWaiver[],
  today: string,
  push: (ruleId: string, origin: Origin, line: number | undefined, message: string) => void,
): void {
  const expiredReported = new Set<ScopedWaiver>();
  const count = findings.length;
  for (let i = 0; i < count; i++) {
    const f = findings[i] as Finding;
    for (const w of waivers) {
      if (!covers(w, f)) continue;
      if (isExpired(w, today)) {
        if (!expiredReported.has(w)) {
          expiredReported.add(w);
          const origin = { file: w.file, label: w.file ?? f.label };
          push("SLW-GEN-002", origin, w.line, `waiver for ${w.rule} expired on ${w.until} (${w.reason}); the finding counts again`);
        }
        continue;
      }
      f.waived = { rule: w.rule, reason: w.reason, until: w.until, source: w.source, file: w.file, line: w.line };
      break;
    }
  }
}

const severityOrder: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function severityRank(s: Severity): number {
  return severityOrder[s];
}

/** Whether `s` is at or above `threshold` (critical is the highest). */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityOrder[s] <= severityOrder[threshold];
}

function compareFindings(a: Finding, b: Finding): number {
  const fa = a.file ?? `\uffff${a.label}`;
  const fb = b.file ?? `\uffff${b.label}`;
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = a.line ?? 0;
  const lb = b.line ?? 0;
  if (la !== lb) return la - lb;
  if (a.object !== b.object) return (a.object ?? "") < (b.object ?? "") ? -1 : 1;
  if (a.severity !== b.severity) return severityOrder[a.severity] - severityOrder[b.severity];
  return a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0;
}

/** A rule that throws on a strange input must not stop the others: its finding is simply absent. */
function safely<T>(run: () => Iterable<T>): T[] {
  try {
    return [...run()];
  } catch {
    return [];
  }
}

function ciObject(ci: CiSubject, path: DocPath | undefined): string | undefined {
  if (!path || path.length === 0) return undefined;
  if (ci.system === "github-actions" && path[0] === "jobs" && path.length >= 2) return `jobs.${String(path[1])}`;
  if (ci.system === "gitlab-ci") return String(path[0]);
  return undefined;
}

/** The YAML block that starts at the first code line after `line`: it and every more-indented line below. */
function yamlBlockAfter(lines: readonly string[], line: number): { start: number; end: number } {
  const blank = (t: string) => /^\s*(#.*)?$/.test(t);
  const indentOf = (t: string) => (/^\s*/.exec(t) as RegExpExecArray)[0].length;
  let i = line; // 0-based index of the line after the comment
  while (i < lines.length && blank(lines[i] as string)) i++;
  if (i >= lines.length) return { start: line, end: line };
  const indent = indentOf(lines[i] as string);
  let j = i + 1;
  while (j < lines.length && (blank(lines[j] as string) || indentOf(lines[j] as string) > indent)) j++;
  return { start: i + 1, end: j };
}
