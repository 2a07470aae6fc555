/*
 * A database server that slipway runs on this machine (the local target's embedded PostgreSQL or
 * MariaDB): what `startPostgres` and `startMariadb` return. It outlives the slipway process that
 * started it.
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
