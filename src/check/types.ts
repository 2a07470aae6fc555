/*
 * The vocabulary of `slipway check`: rules, the subjects they look at, and the findings they
 * produce. Everything here is data; the I/O that gathers inputs lives in src/effects.
 */

export const severities = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof severities)[number];

export const categories = ["security", "reliability", "efficiency", "operability"] as const;
export type Category = (typeof categories)[number];

export type Area = "kubernetes" | "terraform" | "dockerfile" | "ci" | "general";

/** A path of keys and indices inside a parsed document, e.g. ["spec", "template", "spec", "containers", 0]. */
export type DocPath = readonly (string | number)[];

/**
 * How a slipway rule relates to a peer's check that tests the same property: `same` (they agree on
 * every input), `stricter` (slipway also flags inputs the peer accepts), `looser` (slipway accepts
 * some inputs the peer flags). A check that tests a different property is not a peer check at all.
 */
export const peerRelations = ["same", "stricter", "looser"] as const;
export type PeerRelation = (typeof peerRelations)[number];

/** One peer check; anything but `same` says in a line where the two differ. */
export type PeerCheck =
  | { readonly id: string; readonly relation: "same" }
  | { readonly id: string; readonly relation: "stricter" | "looser"; readonly note: string };

/** The equivalent checks in the peers, where one exists. */
export interface PeerIds {
  polaris?: readonly PeerCheck[];
  kubeScore?: readonly PeerCheck[];
  kubeLinter?: readonly PeerCheck[];
  checkov?: readonly PeerCheck[];
  trivy?: readonly PeerCheck[];
  hadolint?: readonly PeerCheck[];
}

export interface RuleMeta {
  /** Stable ID, e.g. SLW-K8S-001. Never reused for a different check. */
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  /** Why it matters, in a sentence or two. */
  rationale: string;
  /** What to do, in one sentence. */
  remediation: string;
  /** A concrete fix, in the input's own syntax. */
  snippet: string;
  peers: PeerIds;
}

/** What a rule reports; the runner adds location, severity and waivers. */
export interface Problem {
  message: string;
  /** Where in the subject's document, when it has one (YAML/JSON inputs). */
  path?: DocPath | undefined;
  /** A 1-based line, for inputs located by line (Terraform, Dockerfile). */
  line?: number | undefined;
}

/** Where a document came from. `file` is undefined for objects slipway rendered itself. */
export interface Origin {
  file: string | undefined;
  /** Shown instead of a file for rendered objects, e.g. "render kubernetes -e production". */
  label: string;
}

// ── Kubernetes ────────────────────────────────────────────────────────────────────────────────

export type KubeData = Record<string, unknown>;

/** One Kubernetes object with a way back to its source text. */
export interface KubeSubject {
  origin: Origin;
  object: KubeData;
  kind: string;
  apiVersion: string;
  name: string;
  /** undefined: not set in the manifest. */
  namespace: string | undefined;
  /** `Deployment/web` (with `ns/` in front when a namespace is set). */
  ref: string;
  /** 1-based line of the object's start. */
  line: number | undefined;
  /** Line of `path` inside the object (nearest existing parent), or undefined without a source. */
  locate(path: DocPath): number | undefined;
}

export interface KubeContext {
  /** Every Kubernetes object checked together (a folder, a stream, one rendered environment). */
  all: readonly KubeSubject[];
  /** The namespace objects without `metadata.namespace` are applied to (`check --namespace`, default `default`). */
  defaultNamespace: string;
  /** Objects of one kind in one namespace (unset: the namespace the objects are applied to, `check --namespace`). */
  byKind(kind: string, namespace: string | undefined): readonly KubeSubject[];
  /** The first object of a kind with this name in a namespace (unset: the namespace the objects are applied to). */
  named(kind: string, namespace: string | undefined, name: string): KubeSubject | undefined;
  /** Objects of one kind in every namespace, in input order. */
  ofKind(kind: string): readonly KubeSubject[];
  /**
   * A value built once per context and shared by every rule and subject (an index for a
   * cross-object rule), so rules that look at other objects stay linear in the input.
   */
  memo<T>(key: symbol, build: () => T): T;
}

export interface KubeRule extends RuleMeta {
  area: "kubernetes";
  check(subject: KubeSubject, ctx: KubeContext): Iterable<Problem>;
}

// ── Terraform ─────────────────────────────────────────────────────────────────────────────────

/** An expression the reader does not evaluate (references, operators, for-expressions). */
export interface TfExpression {
  expr: string;
}

/** A function call such as jsonencode({...}); its arguments are parsed. */
export interface TfCall {
  call: string;
  args: TfValue[];
}

export type TfValue = string | number | boolean | null | TfValue[] | TfObject | TfExpression | TfCall;
export interface TfObject {
  [key: string]: TfValue;
}

export interface TfAttribute {
  name: string;
  value: TfValue;
  line: number;
}

export interface TfBody {
  attributes: ReadonlyMap<string, TfAttribute>;
  blocks: readonly TfBlock[];
}

export interface TfBlock {
  /** resource, data, module, variable, terraform, provider, backend, ingress, … */
  type: string;
  labels: readonly string[];
  body: TfBody;
  file: string;
  line: number;
  endLine: number;
}

export interface TfFile {
  origin: Origin;
  blocks: readonly TfBlock[];
  /** Source text lines, for comment waivers. */
  lines: readonly string[];
}

export interface TfContext {
  files: readonly TfFile[];
  /** Top-level blocks of every file. */
  blocks: readonly TfBlock[];
  resources(type: string): readonly TfBlock[];
  /** What the spec says the app may do, when a slipway.yaml is known. */
  intent: CheckIntent | undefined;
}

export interface TfProblem extends Problem {
  block: TfBlock;
}

export interface TfRule extends RuleMeta {
  area: "terraform";
  check(ctx: TfContext): Iterable<TfProblem>;
}

// ── Dockerfile ────────────────────────────────────────────────────────────────────────────────

export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, USER, … */
  keyword: string;
  /** Arguments as written, continuations joined with spaces, flags included. */
  args: string;
  /** Flags such as --from=build, --chown=app, by name. */
  flags: ReadonlyMap<string, string>;
  /** Arguments without the leading flags. */
  rest: string;
  /** Exec form (JSON array) arguments, when the instruction uses it. */
  json: readonly string[] | undefined;
  /** Here-documents of a RUN, COPY or ADD (BuildKit syntax), in order. A RUN's are also in args and rest. */
  heredocs: readonly DockerHeredoc[];
  line: number;
  /** Last line, a heredoc's terminator included. */
  endLine: number;
  /** Index of the build stage (FROM) this instruction belongs to. */
  stage: number;
}

export interface DockerHeredoc {
  /** The terminator, unquoted: EOF for <<EOF, <<-EOF and <<"EOF". */
  name: string;
  /** The lines between the instruction and the terminator, each ending in a new line (<<-: leading tabs removed). */
  content: string;
  /** 1-based line of the terminator. */
  endLine: number;
}

export interface DockerStage {
  from: DockerInstruction;
  image: string;
  alias: string | undefined;
  instructions: readonly DockerInstruction[];
}

export interface DockerfileSubject {
  origin: Origin;
  instructions: readonly DockerInstruction[];
  stages: readonly DockerStage[];
  lines: readonly string[];
}

export interface DockerContext {
  /** true when a slipway.yaml beside the Dockerfile deploys it only to Kubernetes. */
  kubernetesOnly: boolean | undefined;
}

export interface DockerRule extends RuleMeta {
  area: "dockerfile";
  check(subject: DockerfileSubject, ctx: DockerContext): Iterable<Problem>;
}

// ── CI ────────────────────────────────────────────────────────────────────────────────────────

export interface CiSubject {
  origin: Origin;
  system: "github-actions" | "gitlab-ci";
  data: KubeData;
  locate(path: DocPath): number | undefined;
  lines: readonly string[];
}

export interface CiRule extends RuleMeta {
  area: "ci";
  check(subject: CiSubject): Iterable<Problem>;
}

/** Findings about the check itself: unreadable inputs, expired or malformed waivers. */
export interface GeneralRule extends RuleMeta {
  area: "general";
}

export type Rule = KubeRule | TfRule | DockerRule | CiRule | GeneralRule;

// ── Results ───────────────────────────────────────────────────────────────────────────────────

/** What slipway.yaml declares, for rules that compare infrastructure with intent. */
export interface CheckIntent {
  /** S3 buckets the app declared access to (empty: none). */
  s3Buckets: readonly string[];
  /** The spec's Terraform state buckets (infra.state): the CI roles' state access is declared there, not in app.aws.s3. */
  stateBuckets?: readonly string[];
}

export interface Waiver {
  rule: string;
  reason: string;
  /** YYYY-MM-DD */
  until: string | undefined;
  source: "annotation" | "comment" | "spec";
  /** Where the waiver is written, for its own findings. */
  file: string | undefined;
  line: number | undefined;
}

export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  category: Category;
  message: string;
  /** Path of the file as given, or undefined for rendered objects. */
  file: string | undefined;
  /** Where the finding belongs when there is no file, e.g. "render kubernetes -e production". */
  label: string;
  line: number | undefined;
  /** Object, resource or job the finding is about: Deployment/web, aws_db_instance.main, jobs.deploy. */
  object: string | undefined;
  /** Path inside the object, e.g. spec.template.spec.containers[0].securityContext. */
  path: string | undefined;
  waived: Waiver | undefined;
}

export interface CheckedInput {
  file: string | undefined;
  label: string;
  kind: InputKind;
  /** Objects, resources or instructions looked at. */
  objects: number;
}

export type InputKind = "kubernetes" | "terraform" | "dockerfile" | "github-actions" | "gitlab-ci" | "unknown";

export interface CheckReport {
  findings: Finding[];
  inputs: CheckedInput[];
  /** Rules that ran (after --rule/--skip). */
  rules: Rule[];
}
