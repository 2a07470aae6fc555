/*
 * Shared readers for Kubernetes rules: where a workload keeps its pod template, its containers,
 * and label selector matching. Defensive throughout: manifests may hold any shape.
 */
import { isRecord } from "../../inputs/kubernetes.js";
import type { DocPath, KubeContext, KubeData, KubeSubject } from "../../types.js";

/** Kinds with a pod template; DeploymentConfig is OpenShift's (apps.openshift.io), shaped like a Deployment. */
export const workloadKinds = new Set([
  "Pod",
  "Deployment",
  "DeploymentConfig",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "CronJob",
]);

export interface PodTemplate {
  /** The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, …). */
  spec: KubeData;
  specPath: DocPath;
  /** Labels of the pods this object creates. */
  labels: Record<string, string>;
  metadataPath: DocPath;
}

const templates = new WeakMap<KubeSubject, PodTemplate>();

/**
 * The pod template of a workload, or undefined for other kinds. Read once per subject (dozens of
 * rules ask for it): treat the result as read-only.
 */
export function podTemplateOf(subject: KubeSubject): PodTemplate | undefined {
  if (!workloadKinds.has(subject.kind)) return undefined;
  let pod = templates.get(subject);
  if (pod === undefined) {
    pod = readPodTemplate(subject);
    templates.set(subject, pod);
  }
  return pod;
}

function readPodTemplate(subject: KubeSubject): PodTemplate {
  const o = subject.object;
  if (subject.kind === "Pod") {
    const meta = record(o.metadata);
    return { spec: record(o.spec), specPath: ["spec"], labels: stringMap(meta.labels), metadataPath: ["metadata"] };
  }
  if (subject.kind === "CronJob") {
    const template = record(record(record(record(o.spec).jobTemplate).spec).template);
    return {
      spec: record(template.spec),
      specPath: ["spec", "jobTemplate", "spec", "template", "spec"],
      labels: stringMap(record(template.metadata).labels),
      metadataPath: ["spec", "jobTemplate", "spec", "template", "metadata"],
    };
  }
  const template = record(record(o.spec).template);
  return {
    spec: record(template.spec),
    specPath: ["spec", "template", "spec"],
    labels: stringMap(record(template.metadata).labels),
    metadataPath: ["spec", "template", "metadata"],
  };
}

export interface ContainerRef {
  container: KubeData;
  path: DocPath;
  name: string;
  init: boolean;
}

/** Containers and init containers of a pod template. Ephemeral containers are debugging aids and skipped. */
export function containersOf(pod: PodTemplate, options: { init?: boolean } = {}): ContainerRef[] {
  const out: ContainerRef[] = [];
  const lists: ["containers" | "initContainers", boolean][] =
    options.init === false
      ? [["containers", false]]
      : [
          ["initContainers", true],
          ["containers", false],
        ];
  for (const [key, init] of lists) {
    const list = pod.spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (!isRecord(c)) return;
      out.push({ container: c, path: [...pod.specPath, key, i], name: typeof c.name === "string" ? c.name : `#${i}`, init });
    });
  }
  return out;
}

/** Long-running workloads: what serves traffic and is kept running by a controller. */
export function isLongRunning(subject: KubeSubject): boolean {
  return (
    ["Deployment", "DeploymentConfig", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"].includes(subject.kind) ||
    subject.kind === "Pod"
  );
}

export function record(value: unknown): KubeData {
  return isRecord(value) ? value : {};
}

export function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Whether a `matchLabels`/`matchExpressions` selector (or a plain Service map) selects `labels`. Empty selects all. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRecord(selector)) return false;
  const isLabelSelector = "matchLabels" in selector || "matchExpressions" in selector;
  const matchLabels = isLabelSelector ? stringMap(selector.matchLabels) : stringMap(selector);
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  if (isLabelSelector) {
    for (const expr of list(selector.matchExpressions)) {
      const e = record(expr);
      const key = String(e.key ?? "");
      const values = list(e.values).map(String);
      const has = Object.hasOwn(labels, key);
      switch (e.operator) {
        case "In":
          if (!has || !values.includes(labels[key] as string)) return false;
          break;
        case "NotIn":
          if (has && values.includes(labels[key] as string)) return false;
          break;
        case "Exists":
          if (!has) return false;
          break;
        case "DoesNotExist":
          if (has) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

/** Workloads in the same namespace whose pods `selector` selects (pods without labels never match). */
export function selectedWorkloads(ctx: KubeContext, namespace: string | undefined, selector: unknown): KubeSubject[] {
  const out: KubeSubject[] = [];
  for (const { subject, pod } of candidates(ctx, namespace, selector)) {
    if (Object.keys(pod.labels).length > 0 && selects(selector, pod.labels)) out.push(subject);
  }
  return out;
}

interface Workload {
  subject: KubeSubject;
  pod: PodTemplate;
}

interface NamespaceWorkloads {
  /** Every workload of the namespace, by kind (in workloadKinds order), then input order. */
  all: Workload[];
  /** The same, narrowed to the pods that carry one label: key "name\u0000value". */
  byLabel: Map<string, Workload[]>;
}

const workloadIndex = Symbol("workloads by namespace and pod label");

/**
 * The workloads of a namespace that a selector could select: those carrying the rarest of its
 * `matchLabels` pairs (all of the namespace when it has none), in the order a scan over
 * ctx.byKind would meet them. Callers still test `selects` on each; the index only skips the
 * pods that cannot match, so Services × workloads stays near linear on large inputs.
 */
export function candidates(ctx: KubeContext, namespace: string | undefined, selector: unknown): readonly Workload[] {
  const index = ctx.memo(workloadIndex, () => {
    const byNamespace = new Map<string, NamespaceWorkloads>();
    for (const kind of workloadKinds) {
      for (const subject of ctx.ofKind(kind)) {
        const pod = podTemplateOf(subject);
        if (!pod) continue;
        const ns = subject.namespace ?? ctx.defaultNamespace;
        let entry = byNamespace.get(ns);
        if (!entry) {
          entry = { all: [], byLabel: new Map() };
          byNamespace.set(ns, entry);
        }
        const w = { subject, pod };
        entry.all.push(w);
        for (const [k, v] of Object.entries(pod.labels)) {
          const key = `${k}\u0000${v}`;
          const list = entry.byLabel.get(key);
          if (list) list.push(w);
          else entry.byLabel.set(key, [w]);
        }
      }
    }
    return byNamespace;
  });
  const entry = index.get(namespace ?? ctx.defaultNamespace);
  if (!entry) return [];
  if (!isRecord(selector)) return entry.all;
  const isLabelSelector = "matchLabels" in selector || "matchExpressions" in selector;
  let best: readonly Workload[] = entry.all;
  for (const [k, v] of Object.entries(stringMap(isLabelSelector ? selector.matchLabels : selector))) {
    const list = entry.byLabel.get(`${k}\u0000${v}`) ?? [];
    if (list.length < best.length) best = list;
    if (best.length === 0) break;
  }
  return best;
}

const policyIndex = Symbol("NetworkPolicies by the workloads they select");

interface PolicyIndex {
  /** Per namespace, the policies whose podSelector is empty: they select every pod there. */
  wide: Map<string, KubeSubject[]>;
  /** Per workload, the other policies that select its pods. */
  narrow: Map<KubeSubject, KubeSubject[]>;
}

/** Whether `selects(selector, labels)` holds for any labels (an empty selector). */
function selectsAll(selector: KubeData): boolean {
  const isLabelSelector = "matchLabels" in selector || "matchExpressions" in selector;
  if (Object.keys(stringMap(isLabelSelector ? selector.matchLabels : selector)).length > 0) return false;
  return !isLabelSelector || list(selector.matchExpressions).length === 0;
}

/**
 * The NetworkPolicies of a workload's namespace whose podSelector selects its pods (what
 * filtering ctx.byKind("NetworkPolicy", …) with `selects` gives), as two lists: those with an
 * empty selector (one array shared by every workload of the namespace, so callers can memoize
 * per array), then the others; each in input order. Built once per context through the workload
 * index, so workloads × policies in one namespace stays near linear.
 */
export function policiesSelecting(ctx: KubeContext, workload: KubeSubject): readonly [readonly KubeSubject[], readonly KubeSubject[]] {
  const index = ctx.memo(policyIndex, (): PolicyIndex => {
    const wide = new Map<string, KubeSubject[]>();
    const narrow = new Map<KubeSubject, KubeSubject[]>();
    for (const np of ctx.ofKind("NetworkPolicy")) {
      const selector = record(record(np.object.spec).podSelector);
      if (selectsAll(selector)) {
        const ns = np.namespace ?? ctx.defaultNamespace;
        const list = wide.get(ns);
        if (list) list.push(np);
        else wide.set(ns, [np]);
        continue;
      }
      for (const w of candidates(ctx, np.namespace, selector)) {
        if (!selects(selector, w.pod.labels)) continue;
        const list = narrow.get(w.subject);
        if (list) list.push(np);
        else narrow.set(w.subject, [np]);
      }
    }
    return { wide, narrow };
  });
  return [index.wide.get(workload.namespace ?? ctx.defaultNamespace) ?? none, index.narrow.get(workload) ?? none];
}

const none: readonly KubeSubject[] = [];

const selectedByKind = new Map<string, symbol>();

/**
 * Whether an object of `kind` in the workload's namespace selects its pods with `spec.selector`
 * (a label selector, as PodDisruptionBudgets have). Built once per kind and context.
 */
export function selectedByAny(ctx: KubeContext, kind: string, workload: KubeSubject): boolean {
  let key = selectedByKind.get(kind);
  if (!key) {
    key = Symbol(`workloads a ${kind} selects`);
    selectedByKind.set(kind, key);
  }
  const selected = ctx.memo(key, () => {
    const out = new Set<KubeSubject>();
    for (const o of ctx.ofKind(kind)) {
      const selector = record(o.object.spec).selector;
      for (const w of candidates(ctx, o.namespace, selector)) if (selects(selector, w.pod.labels)) out.add(w.subject);
    }
    return out;
  });
  return selected.has(workload);
}

/** The effective value of a container security setting: the container's, else the pod's. */
export function securitySetting(pod: PodTemplate, c: ContainerRef, key: string): unknown {
  const own = record(c.container.securityContext)[key];
  return own !== undefined ? own : record(pod.spec.securityContext)[key];
}

/** Replica count of a Deployment/StatefulSet/ReplicaSet (default 1), or the HPA minimum when one targets it. */
export function effectiveReplicas(subject: KubeSubject, ctx: KubeContext): number | undefined {
  if (!["Deployment", "DeploymentConfig", "StatefulSet", "ReplicaSet", "ReplicationController"].includes(subject.kind)) return undefined;
  const hpa = hpaFor(subject, ctx);
  if (hpa) {
    const min = record(hpa.object.spec).minReplicas;
    return typeof min === "number" ? min : 1;
  }
  const replicas = record(subject.object.spec).replicas;
  return typeof replicas === "number" ? replicas : 1;
}

const hpaIndex = Symbol("HorizontalPodAutoscalers by namespace and target");

/** The first HorizontalPodAutoscaler in the workload's namespace whose scaleTargetRef names it. */
export function hpaFor(subject: KubeSubject, ctx: KubeContext): KubeSubject | undefined {
  const index = ctx.memo(hpaIndex, () => {
    const byTarget = new Map<string, KubeSubject>();
    for (const h of ctx.ofKind("HorizontalPodAutoscaler")) {
      const ref = record(record(h.object.spec).scaleTargetRef);
      if (typeof ref.kind !== "string" || typeof ref.name !== "string") continue;
      const key = `${h.namespace ?? ctx.defaultNamespace}\u0000${ref.kind}\u0000${ref.name}`;
      if (!byTarget.has(key)) byTarget.set(key, h);
    }
    return byTarget;
  });
  return index.get(`${subject.namespace ?? ctx.defaultNamespace}\u0000${subject.kind}\u0000${subject.name}`);
}

/** A probe's handler (httpGet/tcpSocket/exec/grpc), for comparisons. */
export function probeHandler(probe: unknown): string | undefined {
  const p = record(probe);
  for (const key of ["httpGet", "tcpSocket", "exec", "grpc"]) {
    if (isRecord(p[key])) {
      const h = p[key] as KubeData;
      if (key === "httpGet") return `http ${String(h.path ?? "/")} ${String(h.port ?? "")}`;
      if (key === "tcpSocket") return `tcp ${String(h.port ?? "")}`;
      if (key === "grpc") return `grpc ${String(h.port ?? "")} ${String(h.service ?? "")}`;
      return `exec ${JSON.stringify(h.command ?? [])}`;
    }
  }
  return undefined;
}

export const sensitiveName = /(passw(or)?d|passwd|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|bearer)/i;

/** Every container of a workload with its pod template; nothing for other kinds. */
export function* eachContainer(subject: KubeSubject, options: { init?: boolean } = {}): Generator<{ pod: PodTemplate; c: ContainerRef }> {
  const pod = podTemplateOf(subject);
  if (!pod) return;
  for (const c of containersOf(pod, options)) yield { pod, c };
}
