/**
 * The few fields of Kubernetes objects the waiters read, all optional: observed objects arrive as
 * JSON from the API server, possibly partial. Readers below never trust the shape.
 */

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; uid?: string; controller?: boolean }[];
  deletionTimestamp?: string;
}

export interface ConditionLike {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface DeploymentLike {
  metadata?: ObjectMetaLike;
  spec?: { replicas?: number; paused?: boolean; progressDeadlineSeconds?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: ConditionLike[];
  };
}

export interface ReplicaSetLike {
  metadata?: ObjectMetaLike;
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export interface ContainerStateLike {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatusLike {
  name?: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerStateLike;
  lastState?: ContainerStateLike;
}

export interface PodLike {
  metadata?: ObjectMetaLike;
  spec?: { restartPolicy?: string; containers?: { name?: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: ConditionLike[];
    initContainerStatuses?: ContainerStatusLike[];
    containerStatuses?: ContainerStatusLike[];
  };
}

export interface JobLike {
  metadata?: ObjectMetaLike;
  spec?: { backoffLimit?: number; completions?: number; suspend?: boolean };
  status?: { active?: number; succeeded?: number; failed?: number; conditions?: ConditionLike[] };
}

export type Fields = Readonly<Record<string, unknown>>;

/** The value as an object with fields, or an empty one. */
export function fields(value: unknown): Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

export function items(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function timestamp(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function nameOf(object: unknown): string {
  return text(fields(fields(object).metadata).name) ?? "(unnamed)";
}

export function conditionsOf(object: unknown): readonly Fields[] {
  return items(fields(fields(object).status).conditions).map(fields);
}

export function findCondition(object: unknown, type: string): Fields | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

/** True when `object` names `owner` as an owner (by uid when both have one, else by kind and name). */
export function isOwnedBy(object: unknown, owner: unknown, ownerKind: string): boolean {
  const ownerMeta = fields(fields(owner).metadata);
  const uid = text(ownerMeta.uid);
  const name = text(ownerMeta.name);
  return items(fields(fields(object).metadata).ownerReferences).some((raw) => {
    const ref = fields(raw);
    if (uid !== undefined && text(ref.uid) !== undefined) return ref.uid === uid;
    return name !== undefined && ref.kind === ownerKind && ref.name === name;
  });
}
