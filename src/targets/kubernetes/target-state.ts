/**
 * What the Kubernetes target works with during one deploy process: fixed settings, and the state
 * it learns as the engine calls it. The steps (apply, rollout, release Jobs, secrets, foundation)
 * take this object as an argument; nothing is kept in closures.
 */
import type { ReleaseContext } from "../../deploy/engine.js";
import type { KubeApi, KubeObject } from "../../effects/kube/kube-api.js";
import { renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import type { Redactor } from "../../secrets/redact.js";
import type { KubeHistory } from "./kube-history.js";

export interface KubeSettings {
  readonly api: KubeApi;
  readonly history: KubeHistory;
  readonly fieldManager: string;
  readonly forceConflicts: boolean;
  /** The app's secret values when slipway writes the app's Secret (secretSource env / env-file). */
  readonly secretValues: Readonly<Record<string, string>> | undefined;
  readonly externalSecretsMs: number;
  readonly pollMs: number;
  /** Default timeouts; an object's `slipway.dev/timeout` annotation overrides them for that object. */
  readonly jobMs: number;
  readonly rolloutMs: number;
  /** Objects of one apply rank sent at once. */
  readonly applyConcurrency: number;
}

export interface KubeTargetState {
  readonly settings: KubeSettings;
  /** Every secret value written or read: events, records and log lines are redacted of them. */
  readonly redactor: Redactor;
  /** The objects of each revision, rendered once (a rollback's are the earlier revision's). */
  readonly rendered: Map<number, KubeObject[]>;
  /** What the cluster was last set to (this release, or the one put back): retire and prune keep it. */
  current: KubeObject[] | undefined;
  /** Objects skipped because their kind is not installed: said once per deploy, not again on rollback. */
  readonly skippedSaid: Set<string>;
  /** Revisions whose foundation (namespace, config, Secrets checked) is in place. */
  readonly foundationApplied: Set<number>;
  /** Keyed fingerprint of each Secret the release reads, for the record (values never). */
  readonly secretDigests: Map<string, string>;
  /** The environment's fingerprint key, read (or created) once, when a Secret is first fingerprinted. */
  fingerprintKey: Promise<Buffer | undefined> | undefined;
}

export function createTargetState(settings: KubeSettings, redactor: Redactor): KubeTargetState {
  return {
    settings,
    redactor,
    rendered: new Map(),
    current: undefined,
    skippedSaid: new Set(),
    foundationApplied: new Set(),
    secretDigests: new Map(),
    fingerprintKey: undefined,
  };
}

/** The release's objects, rendered on first use. */
export function objectsOf(state: KubeTargetState, ctx: ReleaseContext): KubeObject[] {
  let objects = state.rendered.get(ctx.revision);
  if (objects === undefined) {
    objects = renderKubernetes(ctx.model) as KubeObject[];
    state.rendered.set(ctx.revision, objects);
  }
  return objects;
}

/** `Kind/name`. */
export function objectRef(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}
