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
  private readonly agent: Agent | undefined;
  private readonly token: string | undefined;

  constructor(
    connection: KubeConnection,
    private readonly timeoutMs = defaultRequestTimeoutMs,
  ) {
    this.base = new URL(connection.server);
    this.token = connection.token;
    if (this.base.protocol === "https:") {
      const tls: ConstructorParameters<typeof Agent>[0] = {
        keepAlive: true,
        rejectUnauthorized: connection.insecureSkipTlsVerify !== true,
      };
      if (connection.ca !== undefined) tls.ca = connection.ca;
      if (connection.clientCertificate !== undefined) tls.cert = connection.clientCertificate;
      if (connection.clientKey !== undefined) tls.key = connection.clientKey;
      if (connection.tlsServerName !== undefined) tls.servername = connection.tlsServerName;
      this.agent = new Agent(tls);
    }
  }

  /** Sends a request and reads the whole answer. Rejects only when no answer came (KUBE_UNREACHABLE). */
  async send(req: KubeRequest): Promise<KubeResponse> {
    const res = await this.open(req, this.timeoutMs);
    const body = await readBody(res);
    return { status: res.statusCode ?? 0, body };
  }

  /**
   * Opens a streaming request (watch). Resolves with the response once headers arrive; the caller
   * reads it. No timeout: the stream lasts until the server ends it or `req.signal` aborts.
   */
  openStream(req: KubeRequest): Promise<IncomingMessage> {
    return this.open(req, undefined);
  }

  /** Frees kept-alive sockets. */
  close(): void {
    this.agent?.destroy();
  }

  private open(req: KubeRequest, timeoutMs: number | undefined): Promise<IncomingMessage> {
    const url = new URL(this.base.pathname.replace(/\/$/, "") + req.path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: req.accept ?? "application/json", "user-agent": "slipway" };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
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

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", (cause) => reject(new KubeError("KUBE_UNREACHABLE", `reading the API server's answer: ${cause.message}`, { cause })));
  });
}
