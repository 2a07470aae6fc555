/*
 * The local target's runtime primitives: the contract between the local target (which decides what
 * to run) and the effects that run it (database servers, detached app processes, the reverse proxy).
 * Everything here outlives the slipway process that started it: a deploy that is killed leaves the
 * running release serving.
 */

/** A database server on loopback that slipway manages under the project's .slipway/ folder. */
export interface DatabaseServer {
  engine: "postgres" | "mysql";
  host: string;
  /** The port the server listens on: the running server's own port when it was already running. */
  port: number;
  /** The server's version as it reports it, e.g. `18.4` or `10.11.19-MariaDB`. */
  version: string;
  /** Creates the database and the app's least-privilege user if missing; sets the user's password. Idempotent. */
  ensureDatabase(request: {
    database: string;
    user: string;
    password: string;
  }): Promise<{ createdDatabase: boolean; createdUser: boolean }>;
  /** Whether the server answers a connection as the admin user. */
  ping(): Promise<boolean>;
  /** Admin connection settings for the setup phase only (never given to the app or migrations). */
  admin: { user: string; password: string };
}

export interface DatabaseServerOptions {
  /** Folder for the data directory, logs and the admin secret (created with safe modes). */
  stateDir: string;
  /**
   * Port to listen on (127.0.0.1); chosen by the caller and remembered in stateDir (`server.json`,
   * read it back with `rememberedDatabasePort`). A server that is already running keeps its port.
   */
  port: number;
  /** The version the spec asks for. The local servers run what is installed; compare with `DatabaseServer.version`. */
  version?: string;
}

/** A process started detached from slipway (own session, stdio to a log file). */
export interface DetachedProcess {
  pid: number;
  logFile: string;
  /**
   * The kernel's start time of the process (Linux `/proc/<pid>/stat` field 22), to tell it from a later
   * process that reuses the pid (after a reboot, say). Undefined where /proc is missing.
   */
  startTime?: string;
}

export interface SpawnRequest {
  /** The program and its arguments; the program is looked up on `env.PATH`. */
  command: readonly string[];
  cwd: string;
  /** The complete environment of the process: nothing is inherited from slipway's own. */
  env: Readonly<Record<string, string>>;
  /** stdout and stderr are appended here (created 0640 if missing). */
  logFile: string;
  /** Where to write the pid (and start time) once started. */
  pidFile?: string;
  /** Run as this user (needs root): database servers run as `postgres` / `mysql`. */
  runAs?: { uid: number; gid: number };
}

/** How a process ended: an exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

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
