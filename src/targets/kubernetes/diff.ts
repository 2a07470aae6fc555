import { randomBytes } from "node:crypto";
import type { KubeApi } from "../../effects/kube/kube-api.js";
import type { AppModel } from "../../model/app-model.js";
import { lineDiff } from "../../plan/line-diff.js";
import { renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import { toYaml } from "../../render/yaml-stream.js";
import { fingerprintValue } from "../../secrets/fingerprint.js";
import type { Redactor } from "../../secrets/redact.js";
import type { DiffChange } from "../driver.js";
import { settleBounded } from "./apply.js";
import { clusterFingerprintKey, secretDataValues } from "./cluster-secrets.js";

/**
 * Fields the server owns or adds that say nothing about what a deploy would change. A Secret's
 * values become keyed fingerprints (a changed value shows as a changed line, never the value) and
 * join the redactor.
 */
export function comparable(
  object: Record<string, unknown> | undefined,
  fingerprintKey: Uint8Array,
  redactor: Redactor,
): Record<string, unknown> | undefined {
  if (!object) return undefined;
  const { status: _status, ...rest } = object;
  const metadata = { ...((rest.metadata ?? {}) as Record<string, unknown>) };
  for (const key of ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"]) delete metadata[key];
  const annotations = { ...((metadata.annotations ?? {}) as Record<string, string>) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: Record<string, unknown> = { ...rest, metadata };
  // Secret values never leave the cluster through a diff: only which keys changed.
  if (out.kind === "Secret") {
    for (const field of ["data", "stringData"]) {
      const values = out[field] as Record<string, string> | undefined;
      if (values) {
        redactor.add(field === "data" ? secretDataValues(values) : Object.values(values));
        const decoded = (v: string) => (field === "data" ? Buffer.from(v, "base64") : Buffer.from(v, "utf8"));
        out[field] = Object.fromEntries(
          Object.entries(values).map(([k, v]) => [k, `[redacted ${fingerprintValue(fingerprintKey, decoded(v)).slice(0, 24)}]`]),
        );
      }
    }
  }
  return out;
}

/** `slipway diff`: what a deploy would change, from a server-side dry run of every rendered object. */
export async function diffKubernetes(
  scope: { api: KubeApi; model: AppModel },
  redactor: Redactor,
): Promise<{ environment: string; changes: DiffChange[] }> {
  const { api, model } = scope;
  // The environment's key when it exists and may be read, so fingerprints match history; else one
  // for this run only (a diff never creates it): lines still show which values would change.
  const key =
    (await clusterFingerprintKey(
      api,
      { namespace: model.namespace, app: model.name, environment: model.environment, fieldManager: "slipway" },
      { create: false },
    ).catch(() => undefined)) ?? randomBytes(32);
  // Release Jobs get a per-revision name and run as their own phase: not part of the diff.
  const objects = renderKubernetes(model).filter((object) => object.kind !== "Job");
  // Three round trips per object, independent of each other: bounded in parallel, results (and the
  // first error, as a sequential loop would raise it) in render order.
  const settled = await settleBounded(objects, 6, async (object): Promise<DiffChange> => {
    const id = `${object.kind}/${object.metadata.name}`;
    if ((await api.discover(object.apiVersion, object.kind)) === undefined) {
      return { object: id, action: "skipped", diff: [], note: `${object.apiVersion} ${object.kind} is not installed in the cluster` };
    }
    const live = comparable(
      (await api.get(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name)) as
        | Record<string, unknown>
        | undefined,
      key,
      redactor,
    );
    const dry = comparable(
      (await api.apply(object, { fieldManager: "slipway", dryRun: true, force: false })) as Record<string, unknown>,
      key,
      redactor,
    );
    const before = live ? toYaml(live) : "";
    const after = toYaml(dry);
    const diff = before === after ? [] : lineDiff(before, after).map((line) => redactor.text(line));
    return { object: id, action: !live ? "create" : diff.length > 0 ? "update" : "unchanged", diff };
  });
  const changes: DiffChange[] = [];
  for (const result of settled) {
    if (result.status === "rejected") throw result.reason;
    changes.push(result.value);
  }
  return { environment: model.environment, changes };
}
