/**
 * Server-side apply in dependency order: objects of one rank are independent of each other and go
 * out together (a few at a time); a rank starts once the one before it is applied. Events and the
 * list of applied objects keep the render order whatever order the API server answers in.
 */
import { DeployFailure } from "../../deploy/engine.js";
import type { PhaseName, Reporter } from "../../deploy/events.js";
import type { ReleaseRecord } from "../../deploy/history.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { KubeApplyConflictError } from "../../effects/kube/kube-error.js";
import { type KubeTargetState, objectRef } from "./target-state.js";

/** Apply order: lower first. Jobs are absent: the release-Job step runs them. */
const APPLY_RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  ServiceAccount: 1,
  ConfigMap: 1,
  ExternalSecret: 1,
  Deployment: 2,
  Service: 3,
  Ingress: 3,
  HorizontalPodAutoscaler: 3,
  PodDisruptionBudget: 3,
  NetworkPolicy: 3,
  ServiceMonitor: 3,
};

/** What must exist before a release Job can start (its namespace, service account and config). */
export const FOUNDATION_RANK = 1;

function rankOf(object: KubeObject): number {
  return APPLY_RANK[object.kind] ?? 3;
}

/** Objects to apply in order (Jobs excluded), optionally only up to `maxRank`. */
export function applyOrder(objects: readonly KubeObject[], maxRank = Number.POSITIVE_INFINITY): KubeObject[] {
  return objects
    .filter((o) => o.kind !== "Job")
    .map((o, index) => ({ o, index, rank: rankOf(o) }))
    .filter((x) => x.rank <= maxRank)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((x) => x.o);
}

/** Ordered objects cut into runs of one rank, in order. */
export function rankGroups(ordered: readonly KubeObject[]): KubeObject[][] {
  const groups: KubeObject[][] = [];
  let rank: number | undefined;
  for (const object of ordered) {
    if (rankOf(object) !== rank) groups.push([]);
    rank = rankOf(object);
    groups[groups.length - 1]?.push(object);
  }
  return groups;
}

/**
 * `work` over every item, at most `limit` at a time; results in item order. Waits for every item
 * to settle (no request is left running behind a failure), then the caller decides what a failure means.
 */
export async function settleBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await work(items[index] as T) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** What applyAll applied, in render order: `Kind/name` and the object as the API server returned it. */
export interface Applied {
  refs: string[];
  live: KubeObject[];
}

/**
 * Applies `ordered` (as applyOrder returns it) rank by rank. A kind the cluster does not serve is skipped and said once. The first failure in render
 * order is thrown once its rank has settled; later ranks are not applied.
 */
export async function applyAll(
  state: KubeTargetState,
  environment: string,
  ordered: readonly KubeObject[],
  phase: PhaseName,
  reporter: Reporter,
  force: boolean,
): Promise<Applied> {
  const { api, fieldManager, applyConcurrency } = state.settings;
  const applied: Applied = { refs: [], live: [] };
  for (const group of rankGroups(ordered)) {
    const outcomes = await settleBounded(group, applyConcurrency, async (object): Promise<KubeObject | "skipped"> => {
      if ((await api.discover(object.apiVersion, object.kind)) === undefined) return "skipped";
      return await api.apply(object, { fieldManager, force });
    });
    for (const [index, outcome] of outcomes.entries()) {
      const object = group[index] as KubeObject;
      if (outcome.status === "rejected") throw applyFailure(environment, object, outcome.reason);
      if (outcome.value !== "skipped") {
        applied.refs.push(objectRef(object));
        applied.live.push(outcome.value);
      } else if (!state.skippedSaid.has(objectRef(object))) {
        state.skippedSaid.add(objectRef(object));
        reporter.emit({
          type: "waiting",
          phase,
          message: `skipped ${objectRef(object)}: ${object.kind} (${object.apiVersion}) is not installed in the cluster`,
        });
      }
    }
  }
  return applied;
}

function applyFailure(environment: string, object: KubeObject, error: unknown): unknown {
  if (!(error instanceof KubeApplyConflictError)) return error;
  const fields = error.conflicts.map((c) => `${c.field} (owned by ${c.manager})`).join(", ");
  return new DeployFailure({
    class: "apply-conflict",
    message: `deploy ${environment}: apply ${objectRef(object)}: conflicts with field manager ${error.managers.join(", ")}: ${fields}; pass --force-conflicts to take them over`,
    evidence: { detail: error.message },
  });
}

/** Deletes what the retired release rendered and the serving one does not (Namespaces and Jobs stay). */
export async function pruneRetired(state: KubeTargetState, record: ReleaseRecord, reporter: Reporter): Promise<void> {
  const { api, history } = state.settings;
  if (state.current === undefined) return;
  const old = await history.objects(record.revision);
  if (old === undefined) return;
  const keep = new Set(state.current.map((o) => `${o.apiVersion}/${objectRef(o)}`));
  for (const object of old) {
    if (object.kind === "Namespace" || object.kind === "Job" || keep.has(`${object.apiVersion}/${objectRef(object)}`)) continue;
    if ((await api.discover(object.apiVersion, object.kind)) === undefined) continue;
    if (await api.delete(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name)) {
      reporter.emit({ type: "waiting", phase: "drain", message: `pruned ${objectRef(object)} (no longer rendered)` });
    }
  }
}
