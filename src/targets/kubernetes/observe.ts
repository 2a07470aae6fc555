/**
 * The observation loop every wait of the Kubernetes target shares: look, report what it waits
 * for, sleep until a watched collection changes (or the poll interval passes), look again.
 */
import type { PhaseName, Reporter } from "../../deploy/events.js";
import type { KubeApi, KubeObject, ListOptions } from "../../effects/kube/kube-api.js";
import type { KubeTargetState } from "./target-state.js";
import type { WaitVerdict } from "./waiters/types.js";

/** A collection whose changes wake an observation loop. */
export interface Watched {
  apiVersion: string;
  kind: string;
  namespace: string;
  labelSelector: string;
}

/**
 * The objects read during one poll: each list (or get) is asked once, however many waiters read
 * it, and a new poll starts with an empty cache.
 */
export class PollCache {
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(private readonly api: KubeApi) {}

  list(apiVersion: string, kind: string, namespace: string, options: ListOptions): Promise<KubeObject[]> {
    const key = JSON.stringify(["list", apiVersion, kind, namespace, options.labelSelector ?? "", options.fieldSelector ?? ""]);
    return this.once(key, async () => (await this.api.list(apiVersion, kind, namespace, options)).items);
  }

  get(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.once(JSON.stringify(["get", apiVersion, kind, namespace, name]), () => this.api.get(apiVersion, kind, namespace, name));
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.reads.get(key) as Promise<T> | undefined;
    if (pending === undefined) {
      pending = read();
      this.reads.set(key, pending);
    }
    return pending;
  }
}

/**
 * Observes until `look` says done; undefined when `timeoutMs` passes first. Each look gets a fresh
 * PollCache. Watch events wake the loop at once; the poll stays as a fallback when a watch breaks.
 */
export async function observe(
  state: KubeTargetState,
  phase: PhaseName,
  reporter: Reporter,
  timeoutMs: number,
  look: (cache: PollCache) => Promise<WaitVerdict>,
  watched: readonly Watched[] = [],
): Promise<WaitVerdict | undefined> {
  const { api, pollMs } = state.settings;
  const deadline = Date.now() + timeoutMs;
  const stop = new AbortController();
  let wake: () => void = () => undefined;
  let changed = false;
  const onEvent = () => {
    changed = true;
    wake();
  };
  for (const w of watched) {
    api.watch(w.apiVersion, w.kind, w.namespace, { labelSelector: w.labelSelector }, onEvent, stop.signal).catch(() => undefined);
  }
  let said = "";
  try {
    for (;;) {
      changed = false;
      const verdict = await look(new PollCache(api));
      if (verdict.done) return verdict;
      if (verdict.reason !== said) reporter.emit({ type: "waiting", phase, message: verdict.reason });
      said = verdict.reason;
      if (Date.now() >= deadline) return undefined;
      if (!changed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      wake = () => undefined;
    }
  } finally {
    stop.abort();
  }
}
