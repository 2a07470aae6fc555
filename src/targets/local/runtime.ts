/*
 * The local target's runtime primitives: the contract between the local target (which decides what
 * to run) and the reverse proxy. The process and database server types live with the effects that
 * run them (re-exported here for the target's code).
 */

export type { DatabaseServer, DatabaseServerOptions } from "../../effects/database-server.js";
export type { DetachedProcess, ProcessExit, SpawnRequest } from "../../effects/process-types.js";

/** What the proxy serves: the current release's instances. Written atomically; the proxy acknowledges. */
export interface ProxyRoutes {
  /**
   * The release revision these routes serve (a switch back may lower it). The proxy acknowledges the
   * revision and the routes' digest in routes.ack, and tags responses with `x-slipway-revision`.
   */
  revision: number;
  upstreams: readonly { host: string; port: number }[];
  /**
   * Addresses and CIDR ranges of proxies in front of this one, whose X-Forwarded-For / Forwarded
   * chain is kept (targets.<name>.trustedProxies). Absent or empty: no client is trusted.
   */
  trustedProxies?: readonly string[];
}

/** What the proxy writes to routes.ack: the routes it serves and what still runs on older ones. */
export interface ProxyAck {
  revision: number;
  /** Digest of the routes it serves (`routesDigest`), so a rewrite of the same revision is told apart. */
  digest: string;
  /** The proxy's pid. */
  pid: number;
  /** Requests (and websocket connections) still in flight on older revisions. */
  draining: number;
}
