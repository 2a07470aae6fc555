/*
 * The files through which slipway and its proxy daemon talk (under the proxy's state folder), and
 * their pure parsing: routes.json (what to serve), routes.ack (what is served), proxy.pid, proxy.log.
 */
import { createHash } from "node:crypto";
import type { ProxyAck, ProxyRoutes } from "./runtime.js";

export const proxyFiles = {
  routes: "routes.json",
  ack: "routes.ack",
  pid: "proxy.pid",
  log: "proxy.log",
} as const;

/** Request header that the proxy answers itself (204 with its pid), never forwarding it. */
export const proxyPingHeader = "x-slipway-proxy-ping";
export const proxyPidHeader = "x-slipway-proxy-pid";
export const revisionHeader = "x-slipway-revision";

/** Why `value` is not valid ProxyRoutes, or undefined when it is. */
export function invalidRoutes(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "routes must be an object";
  const { revision, upstreams } = value as { revision?: unknown; upstreams?: unknown };
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) return "revision must be a whole number ≥ 0";
  if (!Array.isArray(upstreams)) return "upstreams must be a list";
  for (const [index, upstream] of upstreams.entries()) {
    const { host, port } = (upstream ?? {}) as { host?: unknown; port?: unknown };
    if (typeof host !== "string" || host === "") return `upstreams[${index}].host must be a host name or address`;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
      return `upstreams[${index}].port must be a port number`;
  }
  const { trustedProxies } = value as { trustedProxies?: unknown };
  if (trustedProxies !== undefined && !(Array.isArray(trustedProxies) && trustedProxies.every((t) => typeof t === "string")))
    return "trustedProxies must be a list of addresses";
  return undefined;
}

/** Parses routes.json; `error` says why it cannot be used. */
export function parseRoutes(text: string): { routes: ProxyRoutes } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const invalid = invalidRoutes(value);
  if (invalid !== undefined) return { error: invalid };
  return { routes: canonicalRoutes(value as ProxyRoutes) };
}

/** Only the known fields; trustedProxies only when it names someone, so older routes read the same. */
function canonicalRoutes(routes: ProxyRoutes): ProxyRoutes {
  const trusted = routes.trustedProxies ?? [];
  return {
    revision: routes.revision,
    upstreams: routes.upstreams.map(({ host, port }) => ({ host, port })),
    ...(trusted.length > 0 ? { trustedProxies: [...trusted] } : {}),
  };
}

export function formatRoutes(routes: ProxyRoutes): string {
  return `${JSON.stringify(canonicalRoutes(routes), null, 2)}\n`;
}

/** A short digest of the routes (revision, upstreams in order, and the trusted proxies when there are any). */
export function routesDigest(routes: ProxyRoutes): string {
  const trusted = routes.trustedProxies ?? [];
  const canonical = JSON.stringify([
    routes.revision,
    routes.upstreams.map(({ host, port }) => [host, port]),
    ...(trusted.length > 0 ? [trusted] : []),
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

export function formatAck(ack: ProxyAck): string {
  return `${JSON.stringify(ack)}\n`;
}

export function parseAck(text: string): ProxyAck | undefined {
  try {
    const value = JSON.parse(text) as Partial<ProxyAck>;
    if (
      typeof value.revision === "number" &&
      typeof value.digest === "string" &&
      typeof value.pid === "number" &&
      typeof value.draining === "number"
    ) {
      return { revision: value.revision, digest: value.digest, pid: value.pid, draining: value.draining };
    }
  } catch {
    // Unreadable: as if there were none.
  }
  return undefined;
}

/** Whether a request can be sent again to another upstream after `code`: it carries no body, and either
 * never reached an upstream (refused) or met a pooled connection the upstream had just closed. */
export function retryable(
  request: { method: string; headers: Readonly<Record<string, string | string[] | undefined>> },
  code: string | undefined,
  reusedSocket: boolean,
): boolean {
  const { headers } = request;
  const bodyless =
    headers["transfer-encoding"] === undefined && (headers["content-length"] === undefined || headers["content-length"] === "0");
  if (!bodyless) return false;
  if (code === "ECONNREFUSED") return true;
  const idempotent = request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS";
  return idempotent && reusedSocket && (code === "ECONNRESET" || code === "EPIPE");
}
