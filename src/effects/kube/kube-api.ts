/**
 * The small interface the deploy engine and the Kubernetes target use to talk to a cluster.
 * `createKubeApi` (http-kube-api.ts) implements it over HTTPS; tests may fake it.
 */

/** A Kubernetes object as plain JSON. Only the fields slipway reads are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  generation?: number;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  items: T[];
  /** The list's resourceVersion: watch from here to see every later change. */
  resourceVersion: string;
}

/** What discovery says about one apiVersion + kind. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  /** URL path segment, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
}

export interface ApplyOptions {
  /** Field manager name (slipway uses `slipway`). */
  fieldManager: string;
  /** Take over fields owned by other managers instead of failing with KubeApplyConflictError (default false). */
  force?: boolean;
  /** Server-side dry run (`dryRun=All`): validated and defaulted by the server, nothing stored (default false). */
  dryRun?: boolean;
}

export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

export interface DeleteOptions {
  /** Default `Background` (the API server's default for most kinds, explicit here so Jobs do not orphan pods). */
  propagationPolicy?: PropagationPolicy;
  dryRun?: boolean;
}

export interface ListOptions {
  /** e.g. `app.kubernetes.io/name=web,slipway.dev/release`. */
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this resourceVersion (from a list); omitted: the server sends ADDED for every current object first. */
  resourceVersion?: string;
  /** Ask the server to end each watch connection after this many seconds (it then reconnects); default: the server's choice (minutes). */
  timeoutSeconds?: number;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface PodLogOptions {
  /** Only the last N lines. */
  tailLines?: number;
  /** The previous (crashed) container instance's logs. */
  previous?: boolean;
}

export interface PodLogStreamOptions extends PodLogOptions {
  /** Keep the stream open and deliver lines as the container writes them (until it ends or `signal` aborts). */
  follow?: boolean;
  /** Prefix each line with the kubelet's RFC 3339 timestamp. */
  timestamps?: boolean;
  signal?: AbortSignal;
}

export interface ServerVersion {
  /** e.g. `v1.36.3`. */
  gitVersion: string;
  major: string;
  minor: string;
  platform?: string;
}

export interface KubeApi {
  /**
   * Server-side apply. Resolves with the object as stored (or as it would be, with dryRun).
   * Rejects with KubeApplyConflictError (code KUBE_APPLY_CONFLICT) naming the other managers and
   * fields unless `force`; with KUBE_KIND_NOT_INSTALLED when the kind is not served.
   * The namespace comes from `object.metadata.namespace` (required for namespaced kinds).
   */
  apply<T extends KubeObject = KubeObject>(object: KubeObject, options: ApplyOptions): Promise<T>;
  /** Resolves undefined when the object does not exist. `namespace` is ignored for cluster-scoped kinds. */
  get<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined>;
  /** `namespace` undefined lists across all namespaces. */
  list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<KubeList<T>>;
  /** Resolves true when a deletion was accepted, false when the object did not exist. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Streams watch events to `onEvent` until `signal` aborts (then resolves). Reconnects from the
   * last seen resourceVersion when the server ends the stream. Rejects with KUBE_WATCH_EXPIRED when
   * the resourceVersion is too old (list again and watch from the list's version), or with the
   * first error `onEvent` throws.
   */
  watch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** A container's log text. Rejects with KUBE_LOGS_UNAVAILABLE when the node cannot serve logs. */
  podLogs(namespace: string, pod: string, container: string | undefined, options?: PodLogOptions): Promise<string>;
  /**
   * Delivers a container's log lines to `onLine` (following them with `follow` until the container
   * ends or `signal` aborts). Optional: a client that lacks it simply shows no live logs.
   */
  podLogsStream?(
    namespace: string,
    pod: string,
    container: string | undefined,
    options: PodLogStreamOptions,
    onLine: (line: string) => void,
  ): Promise<void>;
  serverVersion(): Promise<ServerVersion>;
  /** Maps apiVersion + kind to its resource (cached); undefined when the kind is not installed. */
  discover(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
}
