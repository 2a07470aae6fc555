/*
 * What slipway runs against its embedded PostgreSQL, as data: the initdb / pg_ctl command lines and
 * the SQL of the setup phase. Pure builders, tested as exact strings (house style: commands as data).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/** The superuser initdb creates; only the setup phase connects as it. */
export const postgresAdminUser = "slipway_admin";

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

export function initdbCommand(bin: PostgresBinaries, dataDir: string, passwordFile: string): readonly string[] {
  return [
    bin.initdb,
    "--pgdata",
    dataDir,
    "--username",
    postgresAdminUser,
    `--pwfile=${passwordFile}`,
    "--auth=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C",
  ];
}

/**
 * `pg_ctl start` waits until the server accepts connections. pg_ctl hands `-o` to a shell, so the
 * socket folder is shell-quoted; an empty folder turns Unix sockets off.
 */
export function pgCtlStartCommand(
  bin: PostgresBinaries,
  options: { dataDir: string; logFile: string; port: number; socketDir: string; waitSeconds: number },
): readonly string[] {
  const serverOptions = `-p ${options.port} -h 127.0.0.1 -k ${shellQuote(options.socketDir)}`;
  return [bin.pgCtl, "start", "-w", "-t", String(options.waitSeconds), "-D", options.dataDir, "-l", options.logFile, "-o", serverOptions];
}

export function pgCtlStatusCommand(bin: PostgresBinaries, dataDir: string): readonly string[] {
  return [bin.pgCtl, "status", "-D", dataDir];
}

/** Fast shutdown: open transactions are rolled back, clients disconnected, data flushed. */
export function pgCtlStopCommand(bin: PostgresBinaries, dataDir: string, waitSeconds: number): readonly string[] {
  return [bin.pgCtl, "stop", "-w", "-t", String(waitSeconds), "-m", "fast", "-D", dataDir];
}

/** `pg_ctl status` exit codes: 0 running, 3 not running, 4 no (accessible) data folder. */
export const pgCtlStatus = { running: 0, stopped: 3, noDataDir: 4 } as const;

export function shellQuote(value: string): string {
  if (value === "") return "''";
  return /^[\w./:=@%+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A quoted SQL identifier: `my "db"` → `"my ""db"""`. */
export function quoteIdentifier(name: string): string {
  if (name.includes("\0")) throw new Error("identifier contains a NUL character");
  return `"${name.replaceAll('"', '""')}"`;
}

/** A quoted SQL string literal (standard_conforming_strings is on, so backslashes are plain characters). */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("string contains a NUL character");
  return `'${value.replaceAll("'", "''")}'`;
}

/** Why `name` cannot be a PostgreSQL database or role name for an app, or undefined when it can. */
export function invalidPostgresName(kind: "database" | "user", name: string): string | undefined {
  if (name === "") return `the ${kind} name is empty`;
  if (Buffer.byteLength(name, "utf8") > 63) return `the ${kind} name ${JSON.stringify(name)} is longer than PostgreSQL's 63 bytes`;
  if (name.includes("\0")) return `the ${kind} name contains a NUL character`;
  if (kind === "user" && name.startsWith("pg_")) return `the user name ${JSON.stringify(name)} starts with pg_, which PostgreSQL reserves`;
  if (kind === "user" && (name === postgresAdminUser || name === "public")) return `the user name ${JSON.stringify(name)} is reserved`;
  if (kind === "database" && ["postgres", "template0", "template1"].includes(name))
    return `the database name ${JSON.stringify(name)} is reserved`;
  return undefined;
}

/**
 * The password as PostgreSQL stores it (a SCRAM-SHA-256 verifier), computed here so the plain
 * password never travels in SQL, where a failed statement would print it to the server log.
 * Non-ASCII passwords are sent as they are: PostgreSQL normalises those (SASLprep) before hashing.
 */
export function passwordForSql(password: string, salt: Buffer = randomBytes(16)): string {
  return /^[\x20-\x7e]*$/.test(password) ? scramSha256Verifier(password, salt) : password;
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC 5802 / 7677, as PostgreSQL writes it). */
export function scramSha256Verifier(password: string, salt: Buffer, iterations = 4096): string {
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

const appRoleAttributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT";

/** The app's role: it logs in and does nothing else beyond what is granted on its own database. */
export function createAppRoleSql(user: string, passwordValue: string): string {
  return `CREATE ROLE ${quoteIdentifier(user)} WITH ${appRoleAttributes} PASSWORD ${quoteLiteral(passwordValue)}`;
}

/** Resets the password and takes back any attribute granted by hand since. */
export function alterAppRoleSql(user: string, passwordValue: string): string {
  return `ALTER ROLE ${quoteIdentifier(user)} WITH ${appRoleAttributes} PASSWORD ${quoteLiteral(passwordValue)}`;
}

/** Owned by the admin, not the app: the app cannot drop it or change who may connect. */
export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(postgresAdminUser)} TEMPLATE template0 ENCODING 'UTF8'`;
}

/**
 * Every database allows connections from PUBLIC by default; slipway revokes that on each one so an
 * app user reaches only the database it is granted.
 */
export function revokePublicAccessSql(database: string): string {
  return `REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC`;
}

/** Run on the server (any database): the app user may connect to its database. */
export function grantDatabaseAccessSql(database: string, user: string): readonly string[] {
  return [revokePublicAccessSql(database), `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdentifier(database)} TO ${quoteIdentifier(user)}`];
}

/** Run inside the app's database: the app user may create tables (it runs the migrations) in `public`. */
export function grantSchemaAccessSql(user: string): readonly string[] {
  return ["REVOKE ALL ON SCHEMA public FROM PUBLIC", `GRANT USAGE, CREATE ON SCHEMA public TO ${quoteIdentifier(user)}`];
}
