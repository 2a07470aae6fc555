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

/** The pod template of a workload, or undefined for other kinds. */
export function podTemplateOf(subject: KubeSubject): PodTemplate | undefined {
  if (!workloadKinds.has(subject.kind)) return undefined;
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

/** Workloads in the same namespace whose pods `selector` selects. */
export function selectedWorkloads(ctx: KubeContext, namespace: string | undefined, selector: unknown): KubeSubject[] {
  const out: KubeSubject[] = [];
  for (const kind of workloadKinds) {
    for (const w of ctx.byKind(kind, namespace)) {
      const pod = podTemplateOf(w);
      if (pod && Object.keys(pod.labels).length > 0 && selects(selector, pod.labels)) out.push(w);
    }
  }
  return out;
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

export function hpaFor(subject: KubeSubject, ctx: KubeContext): KubeSubject | undefined {
  return ctx.byKind("HorizontalPodAutoscaler", subject.namespace).find((h) => {
    const ref = record(record(h.object.spec).scaleTargetRef);
    return ref.kind === subject.kind && ref.name === subject.name;
  });
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
