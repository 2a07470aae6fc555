import type { IncomingMessage } from "node:http";
import type {
  ApplyOptions,
  DeleteOptions,
  KubeApi,
  KubeList,
  KubeObject,
  ListOptions,
  PodLogOptions,
  PodLogStreamOptions,
  ResourceInfo,
  ServerVersion,
  WatchEvent,
  WatchOptions,
} from "./kube-api.js";
import { KubeError } from "./kube-error.js";
import { KubeTransport } from "./kube-transport.js";
import type { KubeConnection } from "./kubeconfig.js";
import { type ExecOptions, type ExecResult, execInPod } from "./pod-exec.js";
import { ResourceDiscovery } from "./resource-discovery.js";
import { parseStatus, statusError } from "./status-error.js";

export interface CreateKubeApiOptions {
  /** Timeout of each non-streaming request in milliseconds (default 30 000). */
  requestTimeoutMs?: number;
}

/** A KubeApi over HTTPS; `close()` frees its kept-alive connections. */
export interface HttpKubeApi extends KubeApi {
  /**
   * A container's log, line by line (without the newline) as it arrives; with `follow` until the
   * container stops or `signal` aborts (then resolves). Rejects like `podLogs`.
   */
  podLogsStream: NonNullable<KubeApi["podLogsStream"]>;
  /** Runs a command in a container over WebSocket (see pod-exec.ts); resolves with its exit code. */
  exec(namespace: string, pod: string, options: ExecOptions): Promise<ExecResult>;
  close(): void;
}

/** Creates a KubeApi that talks to the cluster of `connection` (see loadKubeconfig). */
export function createKubeApi(connection: KubeConnection, options: CreateKubeApiOptions = {}): HttpKubeApi {
  const transport = new KubeTransport(connection, options.requestTimeoutMs);
  const discovery = new ResourceDiscovery(transport);

  async function resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await discovery.discover(apiVersion, kind);
    if (info === undefined) {
      throw new KubeError("KUBE_KIND_NOT_INSTALLED", `${kind} (${apiVersion}) is not served by the cluster`, {
        hint: "Install the CustomResourceDefinition (or operator) that provides it, or leave the object out.",
      });
    }
    return info;
  }

  async function send<T>(what: string, req: Parameters<KubeTransport["send"]>[0]): Promise<T> {
    const res = await transport.send(req);
    if (res.status < 200 || res.status >= 300) throw statusError(what, res.status, res.body);
    return JSON.parse(res.body) as T;
  }

  return {
    async apply<T extends KubeObject>(object: KubeObject, opts: ApplyOptions): Promise<T> {
      const info = await resolve(object.apiVersion, object.kind);
      const name = object.metadata.name;
      const namespace = object.metadata.namespace;
      if (info.namespaced && (namespace === undefined || namespace === "")) {
        throw new KubeError(
          "KUBE_INVALID",
          `apply ${describe(info, undefined, name)}: metadata.namespace is required for a namespaced kind`,
        );
      }
      return send<T>(`apply ${describe(info, namespace, name)}`, {
        method: "PATCH",
        path: objectPath(info, namespace, name),
        query: {
          fieldManager: opts.fieldManager,
          force: opts.force === true ? true : undefined,
          dryRun: opts.dryRun === true ? "All" : undefined,
        },
        // JSON is YAML, so the apply-patch+yaml content type takes it as is.
        body: JSON.stringify(object),
        contentType: "application/apply-patch+yaml",
      });
    },

    async get<T extends KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<T | undefined> {
      const info = await resolve(apiVersion, kind);
      const res = await transport.send({ method: "GET", path: objectPath(info, namespace, name) });
      if (res.status === 404) return undefined;
      if (res.status < 200 || res.status >= 300) throw statusError(`get ${describe(info, namespace, name)}`, res.status, res.body);
      return JSON.parse(res.body) as T;
    },

    async list<T extends KubeObject>(
      apiVersion: string,
      kind: string,
      namespace: string | undefined,
      opts: ListOptions = {},
    ): Promise<KubeList<T>> {
      const info = await resolve(apiVersion, kind);
      const raw = await send<{ items?: Omit<T, "apiVersion" | "kind">[]; metadata?: { resourceVersion?: string } }>(
        `list ${info.plural}${scopeText(info, namespace)}`,
        {
          method: "GET",
          path: collectionPath(info, namespace),
          query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
        },
      );
      // List items come without apiVersion and kind; put them back so every object is self-describing.
      const items = (raw.items ?? []).map((item) => ({ ...item, apiVersion: info.apiVersion, kind: info.kind }) as T);
      return { items, resourceVersion: raw.metadata?.resourceVersion ?? "" };
    },

    async delete(
      apiVersion: string,
      kind: string,
      namespace: string | undefined,
      name: string,
      opts: DeleteOptions = {},
    ): Promise<boolean> {
      const info = await resolve(apiVersion, kind);
      const body: Record<string, unknown> = {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: opts.propagationPolicy ?? "Background",
      };
      if (opts.dryRun === true) body.dryRun = ["All"];
      const res = await transport.send({ method: "DELETE", path: objectPath(info, namespace, name), body: JSON.stringify(body) });
      if (res.status === 404) return false;
      if (res.status < 200 || res.status >= 300) throw statusError(`delete ${describe(info, namespace, name)}`, res.status, res.body);
      return true;
    },

    async watch<T extends KubeObject>(
      apiVersion: string,
      kind: string,
      namespace: string | undefined,
      opts: WatchOptions,
      onEvent: (event: WatchEvent<T>) => void,
      signal: AbortSignal,
    ): Promise<void> {
      const info = await resolve(apiVersion, kind);
      const what = `watch ${info.plural}${scopeText(info, namespace)}`;
      let resourceVersion = opts.resourceVersion;
      while (!signal.aborted) {
        let res: IncomingMessage;
        try {
          res = await transport.openStream({
            method: "GET",
            path: collectionPath(info, namespace),
            query: {
              watch: 1,
              allowWatchBookmarks: true,
              labelSelector: opts.labelSelector,
              fieldSelector: opts.fieldSelector,
              resourceVersion,
              timeoutSeconds: opts.timeoutSeconds,
            },
            signal,
          });
        } catch (e) {
          if (signal.aborted) return;
          throw e;
        }
        if (res.statusCode !== 200) {
          const body = await readAll(res);
          throw statusError(what, res.statusCode ?? 0, body);
        }
        const delivered = await readWatchStream<T>(res, what, signal, (event) => {
          const rv = event.object.metadata?.resourceVersion;
          if (rv !== undefined) resourceVersion = rv;
          if (event.type !== "BOOKMARK") onEvent(event as WatchEvent<T>);
        });
        // The server ends watches after a while (minutes); reconnect from the last version seen.
        // A stream that ended without any event waits a moment so a misbehaving server is not hammered.
        if (delivered === 0 && !signal.aborted) await sleep(1000, signal);
      }
    },

    async podLogs(namespace: string, pod: string, container: string | undefined, opts: PodLogOptions = {}): Promise<string> {
      const what = `logs of pod/${pod}${container === undefined ? "" : ` container ${container}`} in namespace ${namespace}`;
      const res = await transport.send({
        method: "GET",
        path: `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/log`,
        query: { container, tailLines: opts.tailLines, previous: opts.previous === true ? true : undefined },
        accept: "*/*",
      });
      if (res.status >= 200 && res.status < 300) return res.body;
      if (res.status === 404 && parseStatus(res.body)?.reason === "NotFound") throw statusError(what, res.status, res.body);
      const status = parseStatus(res.body);
      throw new KubeError("KUBE_LOGS_UNAVAILABLE", `${what}: ${status?.message ?? (res.body.trim() || `HTTP ${res.status}`)}`, {
        status: res.status,
        ...(status?.reason === undefined ? {} : { reason: status.reason }),
      });
    },

    async podLogsStream(
      namespace: string,
      pod: string,
      container: string | undefined,
      opts: PodLogStreamOptions,
      onLine: (line: string) => void,
    ): Promise<void> {
      const what = `logs of pod/${pod}${container === undefined ? "" : ` container ${container}`} in namespace ${namespace}`;
      const signal = opts.signal ?? new AbortController().signal;
      let res: IncomingMessage;
      try {
        res = await transport.openStream({
          method: "GET",
          path: `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/log`,
          query: {
            container,
            tailLines: opts.tailLines,
            previous: opts.previous === true ? true : undefined,
            follow: opts.follow === true ? true : undefined,
            timestamps: opts.timestamps === true ? true : undefined,
          },
          accept: "*/*",
          signal,
        });
      } catch (e) {
        if (signal.aborted) return;
        throw e;
      }
      if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) {
        const body = await readAll(res);
        const code = res.statusCode ?? 0;
        const status = parseStatus(body);
        if (code === 404 && status?.reason === "NotFound") throw statusError(what, code, body);
        throw new KubeError("KUBE_LOGS_UNAVAILABLE", `${what}: ${status?.message ?? (body.trim() || `HTTP ${code}`)}`, {
          status: code,
          ...(status?.reason === undefined ? {} : { reason: status.reason }),
        });
      }
      await readLines(res, signal, onLine);
    },

    async exec(namespace: string, pod: string, opts: ExecOptions): Promise<ExecResult> {
      // The exec WebSocket needs current credentials too (an exec plugin's token may have been renewed).
      return execInPod(await transport.credentials(), namespace, pod, opts);
    },

    serverVersion(): Promise<ServerVersion> {
      return send<ServerVersion>("server version", { method: "GET", path: "/version" });
    },

    discover(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
      return discovery.discover(apiVersion, kind);
    },

    close(): void {
      transport.close();
    },
  };
}

type RawWatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"; object: KubeObject };

/** Reads newline-delimited watch events until the stream ends or aborts; resolves with the number of events seen. */
function readWatchStream<T extends KubeObject>(
  res: IncomingMessage,
  what: string,
  signal: AbortSignal,
  handle: (event: { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let count = 0;
    let done = false;
    const fail = (error: unknown): void => {
      if (done) return;
      done = true;
      res.destroy();
      reject(error);
    };
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(count);
    };
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0 && !done; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line === "") continue;
        let event: RawWatchEvent;
        try {
          event = JSON.parse(line) as RawWatchEvent;
        } catch (cause) {
          fail(new KubeError("KUBE_REQUEST_FAILED", `${what}: unreadable event from the API server`, { cause }));
          return;
        }
        if (event.type === "ERROR") {
          const status = event.object as unknown as { code?: number };
          fail(statusError(what, status.code ?? 500, JSON.stringify(event.object)));
          return;
        }
        count++;
        try {
          handle(event as { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T });
        } catch (error) {
          fail(error);
          return;
        }
      }
    });
    res.on("end", finish);
    res.on("close", finish);
    res.on("error", (error) =>
      signal.aborted ? finish() : fail(new KubeError("KUBE_UNREACHABLE", `${what}: ${error.message}`, { cause: error })),
    );
  });
}

/** Delivers a text stream line by line (a last line without newline too); resolves when it ends or `signal` aborts. */
function readLines(res: IncomingMessage, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let done = false;
    const finish = (error?: unknown): void => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", abort);
      if (buffer !== "" && error === undefined) {
        try {
          onLine(buffer.replace(/\r$/, ""));
        } catch (e) {
          reject(e);
          return;
        }
      }
      buffer = "";
      if (error === undefined) resolve();
      else reject(error);
    };
    const abort = (): void => {
      res.destroy();
      finish();
    };
    signal.addEventListener("abort", abort, { once: true });
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0 && !done; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        try {
          onLine(line);
        } catch (error) {
          res.destroy();
          finish(error);
          return;
        }
      }
    });
    res.on("end", () => finish());
    res.on("close", () => finish());
    res.on("error", (error) =>
      signal.aborted ? finish() : finish(new KubeError("KUBE_UNREACHABLE", `reading a log stream: ${error.message}`, { cause: error })),
    );
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function prefix(info: ResourceInfo): string {
  return info.apiVersion.includes("/") ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
}

function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  const ns = info.namespaced && namespace !== undefined && namespace !== "" ? `/namespaces/${enc(namespace)}` : "";
  return `${prefix(info)}${ns}/${info.plural}`;
}

function objectPath(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${collectionPath(info, namespace)}/${enc(name)}`;
}

function scopeText(info: ResourceInfo, namespace: string | undefined): string {
  return info.namespaced && namespace !== undefined && namespace !== "" ? ` in namespace ${namespace}` : "";
}

/** `configmap/web in namespace prod` — how kubectl users name objects. */
function describe(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${info.kind.toLowerCase()}/${name}${scopeText(info, namespace)}`;
}
