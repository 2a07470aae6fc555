/*
 * What the local proxy changes in the headers it passes on (pure; proxy-server.ts applies it).
 *
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: Connection and every
 * header it names, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer,
 * Transfer-Encoding and Upgrade. None is passed on in either direction, except what a websocket upgrade
 * needs (Connection: upgrade and Upgrade) and the request's Transfer-Encoding, by which Node frames the
 * body it forwards again (chunked: re-chunked, never passed through as bytes).
 *
 * The client's address goes to X-Forwarded-For and Forwarded (RFC 7239). A chain the client sent is
 * kept only when the client itself is a trusted proxy (targets.<name>.trustedProxies); from anyone else
 * it is replaced, so an app that reads the first X-Forwarded-For entry gets an address nobody can forge.
 */
import { BlockList, isIP } from "node:net";

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const alwaysHopByHop = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** Headers set by the proxy itself; what the client sent under these names is never passed on as is. */
const forwardingHeaders = ["forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port"];

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The lower-case names `headers` must lose before they go on: the fixed list and what Connection names. */
export function hopByHopHeaders(headers: Headers): Set<string> {
  const names = new Set(alwaysHopByHop);
  for (const token of (joined(headers.connection) ?? "").split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "") names.add(name);
  }
  return names;
}

/** Whether `address` (as the socket reports it) is one of `trusted` (addresses and CIDR ranges). */
export function trustedPeer(trusted: readonly string[]): (address: string | undefined) => boolean {
  if (trusted.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of trusted) {
    const [address = "", bits] = entry.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    try {
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    } catch {
      // Not an address or range (the spec validates them): trusts nobody.
    }
  }
  return (address) => {
    if (address === undefined) return false;
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? "ipv6" : "ipv4");
  };
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) as `192.0.2.1`. */
function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/** A Forwarded parameter value: a token as is, anything else (IPv6 in brackets, host:port) quoted. */
function forwardedValue(value: string): string {
  if (isIP(value) === 6) return `"[${value}]"`;
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}

export interface ForwardedRequest {
  /** The request's headers as received. */
  headers: Headers;
  /** The client's address and the port it reached the proxy on. */
  peer: string | undefined;
  localPort: number | undefined;
  /** A websocket upgrade keeps Connection: upgrade and Upgrade. */
  upgrading: boolean;
  trusted: (address: string | undefined) => boolean;
}

/** What the forwarded request loses (`remove`, lower-case names) and gains or replaces (`set`). */
export function forwardedRequestHeaders(request: ForwardedRequest): { remove: string[]; set: Record<string, string> } {
  const { headers } = request;
  const remove = new Set(hopByHopHeaders(headers));
  // Node frames the forwarded body by this header; it is what the body needs, not what the client's
  // connection used, once Node has read and re-chunked it.
  if (headers["transfer-encoding"] !== undefined) remove.delete("transfer-encoding");
  for (const name of forwardingHeaders) remove.add(name);
  const set: Record<string, string> = {};
  if (request.upgrading) {
    remove.delete("upgrade");
    set.connection = "upgrade";
  }
  const client = request.peer === undefined ? "unknown" : unmapped(request.peer);
  const trusted = request.trusted(request.peer);
  const earlier = (name: string): string | undefined => {
    const value = trusted ? joined(headers[name])?.trim() : undefined;
    return value === "" ? undefined : value;
  };
  const host = joined(headers.host);
  set["x-forwarded-for"] = [earlier("x-forwarded-for"), client].filter((v) => v !== undefined).join(", ");
  set["x-forwarded-proto"] = earlier("x-forwarded-proto") ?? "http";
  const forwardedHost = earlier("x-forwarded-host") ?? host;
  if (forwardedHost !== undefined) set["x-forwarded-host"] = forwardedHost;
  const forwardedPort = earlier("x-forwarded-port") ?? (request.localPort === undefined ? undefined : String(request.localPort));
  if (forwardedPort !== undefined) set["x-forwarded-port"] = forwardedPort;
  const element = [`for=${forwardedValue(client)}`, ...(host ? [`host=${forwardedValue(host)}`] : []), "proto=http"].join(";");
  set.forwarded = [earlier("forwarded"), element].filter((v) => v !== undefined).join(", ");
  return { remove: [...remove], set };
}
