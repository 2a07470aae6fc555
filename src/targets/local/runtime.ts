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
  port: number;
  /** Creates the database and the app's least-privilege user if missing; sets the user's password. Idempotent. */
  ensureDatabase(request: { database: string; user: string; password: string }): Promise<{ createdDatabase: boolean; createdUser: boolean }>;
  /** Whether the server answers a connection as the admin user. */
  ping(): Promise<boolean>;
  /** Admin connection settings for the setup phase only (never given to the app or migrations). */
  admin: { user: string; password: string };
}

export interface DatabaseServerOptions {
  /** Folder for the data directory, logs and the admin secret (created with safe modes). */
  stateDir: string;
  /** Port to listen on (127.0.0.1); chosen by the caller and remembered in stateDir. */
  port: number;
  version?: string;
}

/** A process started detached from slipway (own session, stdio to a log file). */
export interface DetachedProcess {
  pid: number;
  logFile: string;
}

export interface SpawnRequest {
  command: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  logFile: string;
}

/** What the proxy serves: the current release's instances. Written atomically; the proxy acknowledges. */
export interface ProxyRoutes {
  revision: number;
  upstreams: readonly { host: string; port: number }[];
}
