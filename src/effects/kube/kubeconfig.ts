import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { readUserFile } from "../read-user-file.js";
import { type ExecClusterInfo, type ExecCredentials, parseExecConfig, runExecPlugin } from "./exec-credential.js";
import { KubeError } from "./kube-error.js";

/** What createKubeApi needs to reach and authenticate to one cluster. PEM strings, not paths. */
export interface KubeConnection {
  /** The context the connection came from. */
  context: string;
  /** e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** The context's default namespace, if it names one. */
  namespace?: string;
  /** PEM CA bundle; omitted: the system's trust store. */
  ca?: string;
  /** PEM client certificate and key (both or neither). */
  clientCertificate?: string;
  clientKey?: string;
  /** Bearer token (from `token` or `tokenFile`). */
  token?: string;
  /** Skip verifying the server's certificate (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
  /** Name to verify the server's certificate against (kubeconfig `tls-server-name`). */
  tlsServerName?: string;
  /** Runs the user's exec plugin again for fresh credentials (set when the kubeconfig user has `exec`). */
  refreshCredentials?: () => Promise<ExecCredentials>;
  /** When the exec plugin's credentials expire (ms since the epoch). */
  expiresAt?: number;
}

type Doc = Record<string, unknown>;

/**
 * Reads a kubeconfig file and resolves the named context (default: its current-context) to a
 * connection. File references (`certificate-authority`, `client-certificate`, `client-key`,
 * `tokenFile`) are read relative to the kubeconfig's folder, as kubectl does.
 * An exec credential plugin is run once here (and again by the transport when its credential
 * expires); auth-provider plugins, gone from kubectl, are refused with KUBECONFIG_AUTH_UNSUPPORTED.
 */
export async function loadKubeconfig(paths: string | readonly string[], context?: string): Promise<KubeConnection> {
  const list = (typeof paths === "string" ? [paths] : [...paths]).filter((p) => p !== "");
  const { doc, path, first, fileOf } = await readMerged(list);
  const contextName = context ?? str(doc["current-context"]);
  if (contextName === undefined || contextName === "") {
    throw new KubeError("KUBECONFIG_CONTEXT_NOT_FOUND", `kubeconfig ${path}: no context given and no current-context set`, {
      hint: "Name a context, or set one with `kubectl config use-context`.",
    });
  }
  const ctx = named(doc.contexts, contextName, "context");
  if (ctx === undefined) {
    const known = namesOf(doc.contexts);
    throw new KubeError("KUBECONFIG_CONTEXT_NOT_FOUND", `kubeconfig ${path}: no context named "${contextName}"`, {
      hint: known.length > 0 ? `Known contexts: ${known.join(", ")}.` : "The kubeconfig defines no contexts.",
    });
  }
  const clusterName = str(ctx.cluster);
  const userName = str(ctx.user);
  const cluster = clusterName === undefined ? undefined : named(doc.clusters, clusterName, "cluster");
  if (cluster === undefined) throw invalid(path, `context "${contextName}" refers to cluster "${clusterName ?? ""}", which is not defined`);
  const user = userName === undefined ? {} : named(doc.users, userName, "user");
  if (user === undefined) throw invalid(path, `context "${contextName}" refers to user "${userName ?? ""}", which is not defined`);

  const server = str(cluster.server);
  if (server === undefined || !/^https?:\/\//.test(server)) throw invalid(path, `cluster "${clusterName}" has no http(s) server URL`);
  if (user["auth-provider"] !== undefined) {
    throw new KubeError("KUBECONFIG_AUTH_UNSUPPORTED", `kubeconfig ${path}: user "${userName}" uses an auth-provider plugin`, {
      hint: "auth-provider plugins were removed from kubectl; regenerate the kubeconfig with an exec plugin (e.g. gke-gcloud-auth-plugin, kubelogin) or a token.",
    });
  }

  // Relative file references resolve against the file that defined the entry, as kubectl does.
  const clusterBase = dirname(resolve(fileOf.get(cluster) ?? first));
  const userBase = dirname(resolve(fileOf.get(user) ?? first));
  const conn: KubeConnection = { context: contextName, server };
  const namespace = str(ctx.namespace);
  if (namespace !== undefined) conn.namespace = namespace;
  const ca = await inlineOrFile(
    path,
    clusterBase,
    cluster["certificate-authority-data"],
    cluster["certificate-authority"],
    "certificate-authority",
  );
  if (ca !== undefined) conn.ca = ca;
  if (cluster["insecure-skip-tls-verify"] === true) conn.insecureSkipTlsVerify = true;
  const tlsServerName = str(cluster["tls-server-name"]);
  if (tlsServerName !== undefined) conn.tlsServerName = tlsServerName;
  const cert = await inlineOrFile(path, userBase, user["client-certificate-data"], user["client-certificate"], "client-certificate");
  const key = await inlineOrFile(path, userBase, user["client-key-data"], user["client-key"], "client-key");
  if ((cert === undefined) !== (key === undefined)) throw invalid(path, `user "${userName}" has a client certificate or key but not both`);
  if (cert !== undefined && key !== undefined) {
    conn.clientCertificate = cert;
    conn.clientKey = key;
  }
  const token =
    str(user.token) ??
    (str(user.tokenFile) === undefined ? undefined : (await readRef(path, userBase, str(user.tokenFile) ?? "", "tokenFile")).trim());
  if (token !== undefined && token !== "") conn.token = token;
  if (user.exec !== undefined) {
    const exec = parseExecConfig(`kubeconfig ${path}: user "${userName}"`, user.exec);
    const info: ExecClusterInfo = { server };
    if (ca !== undefined) info["certificate-authority-data"] = Buffer.from(ca).toString("base64");
    if (conn.insecureSkipTlsVerify) info["insecure-skip-tls-verify"] = true;
    if (tlsServerName !== undefined) info["tls-server-name"] = tlsServerName;
    const extension = execExtension(cluster.extensions);
    if (extension !== undefined) info.config = extension;
    const refresh = () => runExecPlugin(exec, userBase, info);
    const creds = await refresh();
    Object.assign(conn, credentialFields(creds));
    conn.refreshCredentials = refresh;
  }
  return conn;
}

/** The connection fields an exec plugin's answer sets. */
export function credentialFields(creds: ExecCredentials): Partial<KubeConnection> {
  return {
    ...(creds.token === undefined ? {} : { token: creds.token }),
    ...(creds.clientCertificate === undefined || creds.clientKey === undefined
      ? {}
      : { clientCertificate: creds.clientCertificate, clientKey: creds.clientKey }),
    ...(creds.expiresAt === undefined ? {} : { expiresAt: creds.expiresAt }),
  };
}

/** `clusters[].cluster.extensions[name=client.authentication.k8s.io/exec].extension`, passed to plugins as `config`. */
function execExtension(extensions: unknown): unknown {
  if (!Array.isArray(extensions)) return undefined;
  const found = extensions.find((e) => isRecord(e) && e.name === "client.authentication.k8s.io/exec");
  return isRecord(found) ? found.extension : undefined;
}

/**
 * Reads one kubeconfig, or merges several (a `KUBECONFIG=a:b` list) as kubectl does: files that do
 * not exist are skipped, the first definition of each cluster, user and context name wins, and so
 * does the first current-context. `path` names the file(s) in messages; `fileOf` tells which file
 * each entry came from.
 */
async function readMerged(list: readonly string[]): Promise<{ doc: Doc; path: string; first: string; fileOf: WeakMap<object, string> }> {
  const fileOf = new WeakMap<object, string>();
  const merged: Doc = { clusters: [], users: [], contexts: [] };
  const read: string[] = [];
  for (const file of list) {
    let text: string;
    try {
      text = await readKubeFile(
        file,
        (cause) =>
          new KubeError("KUBECONFIG_NOT_FOUND", `kubeconfig ${file}: cannot be read`, {
            cause,
            hint: "Pass the path of an existing kubeconfig (or set KUBECONFIG).",
          }),
      );
    } catch (error) {
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      if (list.length > 1 && cause?.code === "ENOENT") continue;
      throw error;
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (cause) {
      throw new KubeError("KUBECONFIG_INVALID", `kubeconfig ${file}: not valid YAML`, { cause });
    }
    if (doc === null && list.length > 1) continue;
    if (!isRecord(doc)) throw invalid(file, "the top level is not a mapping");
    read.push(file);
    if (merged["current-context"] === undefined && str(doc["current-context"])) merged["current-context"] = doc["current-context"];
    for (const [field, inner] of [
      ["clusters", "cluster"],
      ["users", "user"],
      ["contexts", "context"],
    ] as const) {
      const into = merged[field] as Doc[];
      const entries = Array.isArray(doc[field]) ? (doc[field] as unknown[]) : [];
      for (const entry of entries) {
        if (!isRecord(entry) || typeof entry.name !== "string" || into.some((e) => e.name === entry.name)) continue;
        into.push(entry);
        if (isRecord(entry[inner])) fileOf.set(entry[inner] as object, file);
      }
    }
  }
  if (read.length === 0) {
    throw new KubeError("KUBECONFIG_NOT_FOUND", `kubeconfig ${list.join(":") || "(none)"}: none of these files exists`, {
      hint: "Pass the path of an existing kubeconfig (or set KUBECONFIG).",
    });
  }
  return { doc: merged, path: read.join(":"), first: read[0] as string, fileOf };
}

function invalid(path: string, what: string): KubeError {
  return new KubeError("KUBECONFIG_INVALID", `kubeconfig ${path}: ${what}`);
}

function isRecord(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Finds `{name, <field>: {...}}` in a kubeconfig list and returns the inner mapping. */
function named(list: unknown, name: string, field: string): Doc | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const entry of list) {
    if (isRecord(entry) && entry.name === name) {
      const inner = entry[field];
      return isRecord(inner) ? inner : {};
    }
  }
  return undefined;
}

function namesOf(list: unknown): string[] {
  return Array.isArray(list) ? list.flatMap((e) => (isRecord(e) && typeof e.name === "string" ? [e.name] : [])) : [];
}

async function inlineOrFile(path: string, base: string, data: unknown, file: unknown, what: string): Promise<string | undefined> {
  const inline = str(data);
  if (inline !== undefined && inline !== "") return Buffer.from(inline, "base64").toString("utf8");
  const ref = str(file);
  if (ref !== undefined && ref !== "") return readRef(path, base, ref, what);
  return undefined;
}

async function readRef(path: string, base: string, ref: string, what: string): Promise<string> {
  return readKubeFile(
    resolve(base, ref),
    (cause) => new KubeError("KUBECONFIG_INVALID", `kubeconfig ${path}: ${what} file ${ref} cannot be read`, { cause }),
  );
}

/** Kubeconfigs with hundreds of clusters stay far below this; certificates and tokens too. */
const maxKubeFileBytes = 16 * 1024 * 1024;

async function readKubeFile(file: string, cannotRead: (cause: unknown) => KubeError): Promise<string> {
  const read = await readUserFile(file, { maxBytes: maxKubeFileBytes, shown: file, cannotOpen: cannotRead });
  if (read.kind === "folder") throw cannotRead(new Error(`${file} is a folder`));
  if (read.kind === "too-large") throw cannotRead(new Error(`${file} is larger than ${maxKubeFileBytes} bytes`));
  return read.bytes.toString("utf8");
}
