/**
 * Which Secret keys a release's pod templates read (env `secretKeyRef`, `envFrom.secretRef`,
 * secret volumes), and which of them are missing from what the cluster holds. Pure.
 */
import type { KubeObject } from "../../effects/kube/kube-api.js";

/** A Secret the release reads: its name, the keys it needs (empty: the whole Secret), who reads it. */
export interface SecretRef {
  name: string;
  keys: string[];
  /** `Deployment/app`, `Job/app-migrate` … */
  readers: string[];
  /** `optional: true` everywhere it is referenced: never a reason to stop. */
  optional: boolean;
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: { secret?: { secretName?: string; optional?: boolean; items?: { key: string }[] } }[];
}

interface ContainerLike {
  env?: { valueFrom?: { secretKeyRef?: { name?: string; key?: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name?: string; optional?: boolean } }[];
}

function podSpecOf(object: KubeObject): PodSpecLike | undefined {
  const spec = object.spec as
    | { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } }
    | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}

/** Every Secret the objects' pod templates read, sorted by name, keys sorted. */
export function secretRefs(objects: readonly KubeObject[]): SecretRef[] {
  const found = new Map<string, { keys: Set<string>; readers: Set<string>; optional: boolean }>();
  const add = (name: string | undefined, key: string | undefined, reader: string, optional: boolean | undefined) => {
    if (!name) return;
    const entry = found.get(name) ?? { keys: new Set<string>(), readers: new Set<string>(), optional: true };
    if (key !== undefined) entry.keys.add(key);
    entry.readers.add(reader);
    entry.optional = entry.optional && optional === true;
    found.set(name, entry);
  };
  for (const object of objects) {
    const pod = podSpecOf(object);
    if (pod === undefined) continue;
    const reader = `${object.kind}/${object.metadata.name}`;
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      for (const e of container.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) add(ref.name, ref.key, reader, ref.optional);
      }
      for (const e of container.envFrom ?? []) if (e.secretRef) add(e.secretRef.name, undefined, reader, e.secretRef.optional);
    }
    for (const volume of pod.volumes ?? []) {
      const secret = volume.secret;
      if (!secret) continue;
      if (secret.items?.length) for (const item of secret.items) add(secret.secretName, item.key, reader, secret.optional);
      else add(secret.secretName, undefined, reader, secret.optional);
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, e]) => ({ name, keys: [...e.keys].sort(), readers: [...e.readers].sort(), optional: e.optional }));
}

/** A required Secret that is absent, or present without some keys. */
export interface MissingSecret {
  name: string;
  /** undefined: the whole Secret is missing. */
  missingKeys: string[] | undefined;
  readers: string[];
}

/**
 * Compares what the release reads with what exists. `existing` maps a Secret's name to its keys
 * (undefined: no such Secret). Optional references never count.
 */
export function missingSecrets(
  refs: readonly SecretRef[],
  existing: ReadonlyMap<string, ReadonlySet<string> | undefined>,
): MissingSecret[] {
  const out: MissingSecret[] = [];
  for (const ref of refs) {
    if (ref.optional) continue;
    const keys = existing.get(ref.name);
    if (keys === undefined) {
      out.push({ name: ref.name, missingKeys: undefined, readers: ref.readers });
      continue;
    }
    const missingKeys = ref.keys.filter((k) => !keys.has(k));
    if (missingKeys.length > 0) out.push({ name: ref.name, missingKeys, readers: ref.readers });
  }
  return out;
}

/** One line per missing Secret: `Secret shop/db: missing keys host, password (read by Deployment/shop)`. */
export function describeMissing(namespace: string, missing: readonly MissingSecret[]): string {
  return missing
    .map((m) =>
      m.missingKeys === undefined
        ? `Secret ${namespace}/${m.name} does not exist (read by ${m.readers.join(", ")})`
        : `Secret ${namespace}/${m.name} has no key${m.missingKeys.length > 1 ? "s" : ""} ${m.missingKeys.join(", ")} (read by ${m.readers.join(", ")})`,
    )
    .join("; ");
}
