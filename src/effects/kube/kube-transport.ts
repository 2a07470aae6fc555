import { request as httpRequest, type IncomingMessage } from "node:http";
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import { KubeError } from "./kube-error.js";
import type { KubeConnection } from "./kubeconfig.js";

export interface KubeRequest {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Path below the server URL, e.g. `/api/v1/namespaces/x/configmaps`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface KubeResponse {
  status: number;
  body: string;
}

/** Default time for one non-streaming request. */
export const defaultRequestTimeoutMs = 30_000;

/** HTTPS to one API server with the connection's certificates; keeps connections alive. */
export class KubeTransport {
  private readonly base: URL;
  private agent: Agent | undefined;
  private readonly connection: KubeConnection;
  private refreshing: Promise<void> | undefined;

  constructor(
    connection: KubeConnection,
    private readonly timeoutMs = defaultRequestTimeoutMs,
  ) {
    this.base = new URL(connection.server);
    this.connection = { ...connection };
    this.agent = this.makeAgent();
  }

  /** Sends a request and reads the whole answer. Rejects only when no answer came (KUBE_UNREACHABLE). */
  async send(req: KubeRequest): Promise<KubeResponse> {
    const res = await this.authorized(req, this.timeoutMs);
    const body = await readBody(res);
    return { status: res.statusCode ?? 0, body };
  }

  /**
   * Opens a streaming request (watch). Resolves with the response once headers arrive; the caller
   * reads it. No timeout: the stream lasts until the server ends it or `req.signal` aborts.
   */
  openStream(req: KubeRequest): Promise<IncomingMessage> {
    return this.authorized(req, undefined);
  }

  /** Frees kept-alive sockets. */
  close(): void {
    this.agent?.destroy();
  }

  /** The token and client certificate to use now (the exec plugin's, refreshed when they expire). */
  async credentials(): Promise<KubeConnection> {
    const expiresAt = this.connection.expiresAt;
    // A minute's margin: a deploy must not start a request with a token about to lapse.
    if (expiresAt !== undefined && Date.now() > expiresAt - 60_000) await this.refresh();
    return this.connection;
  }

  private makeAgent(): Agent | undefined {
    if (this.base.protocol !== "https:") return undefined;
    return new Agent({ keepAlive: true, ...tlsOptions(this.connection) });
  }

  /** Runs the exec plugin again (once, however many requests wait for it). */
  private refresh(): Promise<void> {
    const run = this.connection.refreshCredentials;
    if (run === undefined) return Promise.resolve();
    this.refreshing ??= run()
      .then((creds) => {
        const certChanged = creds.clientCertificate !== undefined && creds.clientCertificate !== this.connection.clientCertificate;
        if (creds.token !== undefined) this.connection.token = creds.token;
        if (creds.clientCertificate !== undefined && creds.clientKey !== undefined) {
          this.connection.clientCertificate = creds.clientCertificate;
          this.connection.clientKey = creds.clientKey;
        }
        if (creds.expiresAt === undefined) delete this.connection.expiresAt;
        else this.connection.expiresAt = creds.expiresAt;
        if (certChanged) {
          this.agent?.destroy();
          this.agent = this.makeAgent();
        }
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Opens the request with current credentials; a 401 with an exec plugin refreshes them and tries once more. */
  private async authorized(req: KubeRequest, timeoutMs: number | undefined): Promise<IncomingMessage> {
    await this.credentials();
    const res = await this.open(req, timeoutMs);
    if (res.statusCode !== 401 || this.connection.refreshCredentials === undefined) return res;
    res.resume();
    await this.refresh();
    return this.open(req, timeoutMs);
  }

  private open(req: KubeRequest, timeoutMs: number | undefined): Promise<IncomingMessage> {
    const url = new URL(this.base.pathname.replace(/\/$/, "") + req.path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: req.accept ?? "application/json", "user-agent": "slipway" };
    if (this.connection.token !== undefined) headers.authorization = `Bearer ${this.connection.token}`;
    if (req.body !== undefined) {
      headers["content-type"] = req.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(req.body));
    }
    const options: RequestOptions = { method: req.method, headers };
    if (this.agent !== undefined) options.agent = this.agent;
    if (req.signal !== undefined) options.signal = req.signal;
    if (timeoutMs !== undefined) options.timeout = timeoutMs;
    const what = `${req.method} ${url.pathname}`;
    return new Promise((resolve, reject) => {
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const r = send(url, options, resolve);
      r.on("timeout", () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      r.on("error", (cause) => {
        if (req.signal?.aborted) reject(req.signal.reason ?? cause);
        else
          reject(
            new KubeError("KUBE_UNREACHABLE", `${what} to ${this.base.origin}: ${cause.message}`, {
              cause,
              hint: "Check that the cluster is running and the kubeconfig's server, CA and credentials are current.",
            }),
          );
      });
      r.end(req.body);
    });
  }
}

/** The TLS settings of a connection (CA, client certificate, server name), for an agent or one request. */
export function tlsOptions(c: KubeConnection): Pick<RequestOptions, "rejectUnauthorized" | "ca" | "cert" | "key" | "servername"> {
  const tls: ReturnType<typeof tlsOptions> = { rejectUnauthorized: c.insecureSkipTlsVerify !== true };
  if (c.ca !== undefined) tls.ca = c.ca;
  if (c.clientCertificate !== undefined) tls.cert = c.clientCertificate;
  if (c.clientKey !== undefined) tls.key = c.clientKey;
  if (c.tlsServerName !== undefined) tls.servername = c.tlsServerName;
  return tls;
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", (cause) => reject(new KubeError("KUBE_UNREACHABLE", `reading the API server's answer: ${cause.message}`, { cause })));
  });
}
