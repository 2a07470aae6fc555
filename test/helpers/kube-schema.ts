import type { KubeObject } from "../../src/render/kubernetes/render-kubernetes.js";

/** API groups whose schemas kubernetes-models ships (the built-in Kubernetes API). */
const builtinGroups = new Set(["", "apps", "batch", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io"]);

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

const cache = new Map<string, ModelClass>();

/** Validates a built-in object against the Kubernetes OpenAPI schema; returns false for CRD kinds it cannot check. */
export async function validateKubeObject(object: KubeObject): Promise<boolean> {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
  if (!builtinGroups.has(group ?? "")) return false;
  const module = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  let Model = cache.get(module);
  if (!Model) {
    const loaded = (await import(module)) as Record<string, ModelClass>;
    Model = loaded[object.kind];
    if (!Model) throw new Error(`no model for ${module}`);
    cache.set(module, Model);
  }
  new Model(JSON.parse(JSON.stringify(object))).validate();
  return true;
}
