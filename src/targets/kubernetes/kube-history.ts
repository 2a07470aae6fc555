/**
 * Release history kept in the cluster, so every laptop and CI runner sees the same releases: one
 * ConfigMap per revision holding the record and the release's rendered objects (gzip + base64).
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { checkReleaseRecord, type HistoryStore, type ReleaseRecord } from "../../deploy/history.js";
import type { KubeApi, KubeObject } from "../../effects/kube/kube-api.js";
import { ensureNamespace } from "./ensure-namespace.js";

export interface KubeHistoryOptions {
  api: KubeApi;
  app: string;
  environment: string;
  /** The app's namespace; it is created (server-side apply) when missing. */
  namespace: string;
  /** Default `slipway`. */
  fieldManager?: string;
}

/** A HistoryStore that also keeps each release's rendered objects (for rollback and prune). */
export interface KubeHistory extends HistoryStore {
  /** Attaches rendered objects to a revision; written with the revision's next `put`. Refuses Secrets. */
  setObjects(revision: number, objects: readonly KubeObject[]): void;
  /** The objects a revision rendered, or undefined when unknown. */
  objects(revision: number): Promise<KubeObject[] | undefined>;
}

const RECORD_KEY = "release.json";
const OBJECTS_KEY = "objects.json.gz";

export const historyLabel = "slipway.dev/history";

/** `slipway-<app>-<env>-r000042`. */
export function historyObjectName(app: string, environment: string, revision: number): string {
  return `slipway-${app}-${environment}-r${String(revision).padStart(6, "0")}`;
}

export function kubeHistory(options: KubeHistoryOptions): KubeHistory {
  const { api, app, environment, namespace } = options;
  const fieldManager = options.fieldManager ?? "slipway";
  const selector = `${historyLabel}=${app}.${environment}`;
  const pending = new Map<number, string>();
  let namespaceReady = false;

  const ensureReady = async () => {
    if (namespaceReady) return;
    await ensureNamespace(api, namespace, fieldManager);
    namespaceReady = true;
  };

  const parse = (cm: KubeObject): ReleaseRecord | undefined => {
    const text = (cm.data as Record<string, string> | undefined)?.[RECORD_KEY];
    if (text === undefined) return undefined;
    try {
      // A record edited into another shape (`null`, say) is skipped like a torn one.
      const checked = checkReleaseRecord(JSON.parse(text));
      return "record" in checked ? checked.record : undefined;
    } catch {
      return undefined;
    }
  };

  const list = async (): Promise<ReleaseRecord[]> => {
    const result = await api.list("v1", "ConfigMap", namespace, { labelSelector: selector });
    return result.items
      .map(parse)
      .filter((r): r is ReleaseRecord => r !== undefined)
      .sort((a, b) => a.revision - b.revision);
  };

  return {
    list,
    async get(revision) {
      const cm = await api.get("v1", "ConfigMap", namespace, historyObjectName(app, environment, revision));
      return cm === undefined ? undefined : parse(cm);
    },
    async put(record) {
      await ensureReady();
      const name = historyObjectName(app, environment, record.revision);
      let objects = pending.get(record.revision);
      if (objects === undefined) {
        // Server-side apply drops fields this manager no longer sends: carry the objects over.
        const existing = await api.get("v1", "ConfigMap", namespace, name);
        objects = (existing?.binaryData as Record<string, string> | undefined)?.[OBJECTS_KEY];
      }
      await api.apply(
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name,
            namespace,
            labels: {
              [historyLabel]: `${app}.${environment}`,
              "app.kubernetes.io/managed-by": "slipway",
              "slipway.dev/revision": String(record.revision),
              "slipway.dev/outcome": record.outcome,
            },
          },
          data: { [RECORD_KEY]: JSON.stringify(record) },
          ...(objects === undefined ? {} : { binaryData: { [OBJECTS_KEY]: objects } }),
        },
        { fieldManager, force: true },
      );
    },
    async nextRevision() {
      const records = await list();
      return (records[records.length - 1]?.revision ?? 0) + 1;
    },
    async remove(revision) {
      pending.delete(revision);
      await api.delete("v1", "ConfigMap", namespace, historyObjectName(app, environment, revision));
    },
    setObjects(revision, objects) {
      const secret = objects.find((o) => o.kind === "Secret");
      // History must never hold secret values; the renderer only references Secrets.
      if (secret) throw new Error(`refusing to store Secret/${secret.metadata.name} in release history`);
      pending.set(revision, gzipSync(Buffer.from(JSON.stringify(objects))).toString("base64"));
    },
    async objects(revision) {
      let encoded = pending.get(revision);
      if (encoded === undefined) {
        const cm = await api.get("v1", "ConfigMap", namespace, historyObjectName(app, environment, revision));
        encoded = (cm?.binaryData as Record<string, string> | undefined)?.[OBJECTS_KEY];
      }
      if (encoded === undefined) return undefined;
      return JSON.parse(gunzipSync(Buffer.from(encoded, "base64")).toString("utf8")) as KubeObject[];
    },
  };
}
