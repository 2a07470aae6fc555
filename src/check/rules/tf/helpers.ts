/*
 * Shared readers for Terraform rules: security group ingress in its three spellings, and IAM
 * policy statements from JSON strings, jsonencode() and aws_iam_policy_document data sources.
 */
import { attr, attrLine, isCall, isExpression, isObject, nested, num, str, strings } from "../../inputs/terraform.js";
import type { TfBlock, TfContext, TfValue } from "../../types.js";

export interface IngressRule {
  block: TfBlock;
  line: number;
  fromPort: number | undefined;
  toPort: number | undefined;
  /** "-1" or "all" for every protocol. */
  protocol: string;
  cidrs: string[];
}

const open = new Set(["0.0.0.0/0", "::/0"]);

/** Every ingress rule in security groups, security group rules and VPC ingress rules. */
export function ingressRules(ctx: TfContext): IngressRule[] {
  const out: IngressRule[] = [];
  const port = (v: number | "unknown" | undefined) => (typeof v === "number" ? v : undefined);
  for (const sg of ctx.resources("aws_security_group")) {
    for (const ing of nested(sg.body, "ingress")) {
      out.push({
        block: sg,
        line: ing.line,
        fromPort: port(num(ing.body, "from_port")),
        toPort: port(num(ing.body, "to_port")),
        protocol: String(attr(ing.body, "protocol") ?? "tcp"),
        cidrs: [...strings(attr(ing.body, "cidr_blocks")), ...strings(attr(ing.body, "ipv6_cidr_blocks"))],
      });
    }
  }
  for (const r of ctx.resources("aws_security_group_rule")) {
    if (str(r.body, "type") !== "ingress") continue;
    out.push({
      block: r,
      line: r.line,
      fromPort: port(num(r.body, "from_port")),
      toPort: port(num(r.body, "to_port")),
      protocol: String(attr(r.body, "protocol") ?? "tcp"),
      cidrs: [...strings(attr(r.body, "cidr_blocks")), ...strings(attr(r.body, "ipv6_cidr_blocks"))],
    });
  }
  for (const r of ctx.resources("aws_vpc_security_group_ingress_rule")) {
    out.push({
      block: r,
      line: r.line,
      fromPort: port(num(r.body, "from_port")),
      toPort: port(num(r.body, "to_port")),
      protocol: String(attr(r.body, "ip_protocol") ?? "tcp"),
      cidrs: [...strings(attr(r.body, "cidr_ipv4")), ...strings(attr(r.body, "cidr_ipv6"))],
    });
  }
  return out;
}

export function isOpenToWorld(rule: IngressRule): boolean {
  return rule.cidrs.some((c) => open.has(c));
}

export function allProtocols(rule: IngressRule): boolean {
  return rule.protocol === "-1" || rule.protocol.toLowerCase() === "all";
}

/** Whether the rule admits `port` (all protocols admit every port). */
export function admitsPort(rule: IngressRule, port: number): boolean {
  if (allProtocols(rule)) return true;
  if (rule.fromPort === undefined || rule.toPort === undefined) return false;
  return rule.fromPort <= port && port <= rule.toPort;
}

export interface PolicyStatement {
  block: TfBlock;
  line: number;
  effect: string;
  actions: string[];
  notActions: boolean;
  resources: string[];
  principals: string[];
  /** The statement's conditions, one per operator and key (`StringEquals`, `token.actions.githubusercontent.com:sub`). */
  conditions?: PolicyCondition[];
}

export interface PolicyCondition {
  operator: string;
  key: string;
  values: string[];
}

/** Resources holding a policy document, and the attribute that holds it. */
const policyResources: [string, string][] = [
  ["aws_iam_policy", "policy"],
  ["aws_iam_role_policy", "policy"],
  ["aws_iam_user_policy", "policy"],
  ["aws_iam_group_policy", "policy"],
  ["aws_ssoadmin_permission_set_inline_policy", "inline_policy"],
];

/** Allow statements of every IAM policy in the module. */
export function policyStatements(ctx: TfContext): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  const documents = new Map<string, TfBlock>();
  for (const b of ctx.blocks) if (b.type === "data" && b.labels[0] === "aws_iam_policy_document") documents.set(b.labels[1] ?? "", b);
  for (const [type, name] of policyResources) {
    for (const r of ctx.resources(type)) out.push(...statementsOf(attr(r.body, name), r, attrLine(r, name), documents));
  }
  for (const doc of documents.values()) out.push(...documentStatements(doc, doc));
  out.push(...moduleStatements(ctx));
  return out;
}

/** terraform-aws-modules arguments that hold policy statements as objects (sid, effect, actions, resources). */
const statementModules: [RegExp, string][] = [
  [/^terraform-aws-modules\/iam\/aws\/\/modules\/iam-role-for-service-accounts$/, "permissions"],
  [/^terraform-aws-modules\/iam\/aws\/\/modules\/iam-role$/, "inline_policy_permissions"],
  [/^terraform-aws-modules\/eks-pod-identity\/aws$/, "policy_statements"],
];

/** Allow statements written as module arguments (a map or a list of statement objects). */
function moduleStatements(ctx: TfContext): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const m of ctx.blocks) {
    if (m.type !== "module") continue;
    const source = attr(m.body, "source");
    const entry = statementModules.find(([re]) => typeof source === "string" && re.test(source.replace(/^registry\.terraform\.io\//, "")));
    if (!entry) continue;
    const value = attr(m.body, entry[1]);
    const items = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
    for (const st of items) {
      if (!isObject(st)) continue;
      out.push({
        block: m,
        line: attrLine(m, entry[1]),
        effect: typeof st.effect === "string" ? st.effect : "Allow",
        actions: strings(st.actions ?? st.not_actions),
        notActions: st.not_actions !== undefined,
        resources: strings(st.resources ?? st.not_resources),
        principals: [],
      });
    }
  }
  return out;
}

/** Trust policies (assume_role_policy) of roles. */
export function trustStatements(ctx: TfContext): PolicyStatement[] {
  const documents = new Map<string, TfBlock>();
  for (const b of ctx.blocks) if (b.type === "data" && b.labels[0] === "aws_iam_policy_document") documents.set(b.labels[1] ?? "", b);
  return ctx
    .resources("aws_iam_role")
    .flatMap((r) => statementsOf(attr(r.body, "assume_role_policy"), r, attrLine(r, "assume_role_policy"), documents));
}

function statementsOf(policy: TfValue | undefined, block: TfBlock, line: number, documents: Map<string, TfBlock>): PolicyStatement[] {
  if (policy === undefined) return [];
  if (typeof policy === "string") {
    try {
      return jsonStatements(JSON.parse(policy) as unknown, block, line);
    } catch {
      return [];
    }
  }
  if (isCall(policy) && policy.call === "jsonencode") return jsonStatements(toPlain(policy.args[0]), block, line);
  if (isExpression(policy)) {
    // A reference to data.aws_iam_policy_document.NAME.json is reported on the data source itself.
    const m = /^data\.aws_iam_policy_document\.([\w-]+)\.json$/.exec(policy.expr);
    if (m && documents.has(m[1] ?? "")) return [];
  }
  return [];
}

function toPlain(v: TfValue | undefined): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  if (isExpression(v) || isCall(v)) return undefined;
  return v;
}

function jsonStatements(doc: unknown, block: TfBlock, line: number): PolicyStatement[] {
  const d = doc as { Statement?: unknown } | null;
  const raw = d && typeof d === "object" ? d.Statement : undefined;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);
  return list.map((s) => {
    const st = (s ?? {}) as Record<string, unknown>;
    const principal = st.Principal;
    const principals =
      principal === "*"
        ? ["*"]
        : principal && typeof principal === "object"
          ? Object.values(principal as Record<string, unknown>).flatMap(arr)
          : [];
    const conditions: PolicyCondition[] = [];
    if (st.Condition && typeof st.Condition === "object") {
      for (const [operator, keys] of Object.entries(st.Condition as Record<string, unknown>)) {
        if (keys && typeof keys === "object")
          for (const [key, values] of Object.entries(keys as Record<string, unknown>))
            conditions.push({ operator, key, values: arr(values) });
      }
    }
    return {
      block,
      line,
      effect: String(st.Effect ?? "Allow"),
      actions: arr(st.Action ?? st.NotAction),
      notActions: st.NotAction !== undefined,
      resources: arr(st.Resource ?? st.NotResource),
      principals,
      conditions,
    };
  });
}

function documentStatements(doc: TfBlock, block: TfBlock): PolicyStatement[] {
  return nested(doc.body, "statement").map((st) => ({
    block,
    line: st.line,
    effect: str(st.body, "effect") ?? "Allow",
    actions: strings(attr(st.body, "actions") ?? attr(st.body, "not_actions")),
    notActions: attr(st.body, "not_actions") !== undefined,
    resources: strings(attr(st.body, "resources") ?? attr(st.body, "not_resources")),
    principals: nested(st.body, "principals").flatMap((p) => strings(attr(p.body, "identifiers"))),
    conditions: nested(st.body, "condition").map((c) => ({
      operator: str(c.body, "test") ?? "",
      key: str(c.body, "variable") ?? "",
      values: strings(attr(c.body, "values")),
    })),
  }));
}

/**
 * Allow statements that let a web identity (an OIDC token) assume a role: in trust policies of
 * roles, and in aws_iam_policy_document data sources whose principals are Federated.
 */
export function webIdentityStatements(ctx: TfContext): PolicyStatement[] {
  const documents = new Map<string, TfBlock>();
  for (const b of ctx.blocks) if (b.type === "data" && b.labels[0] === "aws_iam_policy_document") documents.set(b.labels[1] ?? "", b);
  const fromDocuments = [...documents.values()].flatMap((doc) => documentStatements(doc, doc));
  return [...trustStatements(ctx), ...fromDocuments].filter(
    (st) =>
      st.effect === "Allow" &&
      (st.actions.some((a) => /^sts:AssumeRoleWithWebIdentity$/i.test(a)) || st.principals.some((p) => /:oidc-provider\//.test(p))),
  );
}

/**
 * Calls of a terraform-aws-modules module (its root, not a submodule): `name` as in
 * terraform-aws-modules/<name>/aws. The rules read the arguments slipway's own Terraform and most
 * hand-written roots set; an argument left out takes the module's default, which each rule knows.
 */
export function awsModules(ctx: TfContext, name: string): TfBlock[] {
  const source = new RegExp(`^(registry\\.terraform\\.io/)?terraform-aws-modules/${name}/aws$`);
  return ctx.blocks.filter((b) => {
    if (b.type !== "module") return false;
    const s = attr(b.body, "source");
    return typeof s === "string" && source.test(s);
  });
}
