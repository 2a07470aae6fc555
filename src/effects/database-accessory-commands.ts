/*
 * The host target's database accessory as data: the names of its network, container and volume,
 * and every argv `host setup` and the deploy run for it (PostgreSQL in a container of the official
 * image or one honouring the same layout). Pure, unit-tested as exact arrays and scripts. Passwords
 * never appear here: they are generated on the server into 0600 files, reach initdb on stdin from
 * that file (a redirect on the server), and the app user's is set from a SCRAM verifier in SQL sent
 * on stdin.
 */
import { mariadbDumpOptions } from "./backup-commands.js";
import type { ContainerRuntime } from "./container-commands.js";
import { grantDatabasePattern, quoteMariadbIdentifier, quoteMariadbString } from "./mariadb-commands.js";
import { quoteIdentifier, quoteLiteral } from "./postgres-commands.js";

/** The labels of the accessory's container, network and volume (not the release labels: `ps` of a release never lists it). */
export const accessoryLabelKeys = {
  app: "dev.slipway.app",
  accessory: "dev.slipway.accessory",
  environment: "dev.slipway.accessory-of",
} as const;

export interface AccessoryNames {
  /** The environment's own network: the app's containers and the database, with DNS by container name. */
  network: string;
  /** The database's container; also its host name on the network. */
  container: string;
  /** The named volume holding the data (never removed by slipway). */
  volume: string;
}

/** `slipway-<app>-<env>` (network), `…-db` (container), `…-db-data` (volume): beside the release containers' `…-r<N>-<i>`. */
export function accessoryNames(app: string, environment: string): AccessoryNames {
  const base = `slipway-${app}-${environment}`;
  return { network: base, container: `${base}-db`, volume: `${base}-db-data` };
}

export function accessoryLabels(app: string, environment: string, accessory: "database" | "proxy" = "database"): Record<string, string> {
  return { [accessoryLabelKeys.app]: app, [accessoryLabelKeys.accessory]: accessory, [accessoryLabelKeys.environment]: environment };
}

const labelArgs = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([key, value]) => ["--label", `${key}=${value}`]);

/** The official image of the engine's major version: `docker.io/library/postgres:17`. */
export function defaultPostgresImage(version: string): string {
  return `docker.io/library/postgres:${version.split(".")[0]}`;
}

/** Where the volume is mounted, and the data folder inside it (a subfolder: initdb wants an empty folder it may chmod). */
export const postgresMount = "/var/lib/postgresql/data";
export const postgresData = `${postgresMount}/pgdata`;
export const postgresPort = 5432;

/** Exits 0 printing the name when the network exists. */
export function networkInspectArgv(runtime: ContainerRuntime, network: string): string[] {
  return [runtime, "network", "inspect", "--format", "{{.Name}}", network];
}

/** A bridge network of the runtime's own (Podman's netavark + aardvark-dns, Docker's user-defined bridge): containers on it find each other by name. */
export function networkCreateArgv(runtime: ContainerRuntime, network: string, labels: Readonly<Record<string, string>>): string[] {
  return [runtime, "network", "create", ...labelArgs(labels), network];
}

/** Podman only: `true` when the network resolves container names (netavark with aardvark-dns, or CNI with dnsname). */
export function networkDnsArgv(network: string): string[] {
  return ["podman", "network", "inspect", "--format", "{{.DNSEnabled}}", network];
}

export function volumeInspectArgv(runtime: ContainerRuntime, volume: string): string[] {
  return [runtime, "volume", "inspect", "--format", "{{.Name}}", volume];
}

export function volumeCreateArgv(runtime: ContainerRuntime, volume: string, labels: Readonly<Record<string, string>>): string[] {
  return [runtime, "volume", "create", ...labelArgs(labels), volume];
}

/** The image a container was created from, as named. */
export function containerImageArgv(runtime: ContainerRuntime, container: string): string[] {
  return [runtime, "inspect", "--format", "{{.Config.Image}}", container];
}

export function startArgv(runtime: ContainerRuntime, container: string): string[] {
  return [runtime, "start", container];
}

/**
 * Makes a secret file on the server unless it exists: 32 letters and digits from /dev/urandom
 * (≈190 bits; safe in URLs, SQL and env files), written 0600 under `umask 077` and renamed into
 * place. Prints `created` when it made one; the value is never printed. Argument: the file.
 */
export const secretFileScript = `umask 077
f=$1
if [ -s "$f" ]; then chmod 0600 "$f"; exit 0; fi
tr -dc 'A-Za-z0-9' </dev/urandom 2>/dev/null | head -c 32 >"$f.tmp.$$" || exit 1
[ "$(wc -c <"$f.tmp.$$")" -eq 32 ] || { rm -f "$f.tmp.$$"; echo "could not read /dev/urandom" >&2; exit 1; }
mv "$f.tmp.$$" "$f" && echo created`;

export function secretFileArgv(file: string): string[] {
  return ["sh", "-c", secretFileScript, "sh", file];
}

/** Runs `argv` on the server with its standard input read from `file` there (the file's content never leaves the server). */
export function withStdinFromArgv(file: string, argv: readonly string[]): string[] {
  return ["sh", "-c", 'f=$1; shift; exec "$@" <"$f"', "sh", file, ...argv];
}

/**
 * initdb into the volume unless it holds a cluster already (prints `exists`, else `initialised`):
 * the superuser is `$1` with the password read from stdin; Unix-socket logins inside the container
 * are trusted (only `runtime exec` reaches that socket, i.e. root on the server), every TCP login
 * needs a SCRAM-SHA-256 password.
 */
export const postgresInitScript = `set -e
d=${postgresData}
if [ -s "$d/PG_VERSION" ]; then echo exists; exit 0; fi
initdb --pgdata="$d" --username="$1" --pwfile=/dev/stdin --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
printf 'host all all all scram-sha-256\\n' >>"$d/pg_hba.conf"
echo initialised`;

/** A one-off container (no network) of the database image that runs the init script as the image's `postgres` user. */
export function postgresInitArgv(
  runtime: ContainerRuntime,
  options: { container: string; volume: string; image: string; adminUser: string },
) {
  return [
    runtime,
    "run",
    "--rm",
    "--interactive",
    "--name",
    `${options.container}-init`,
    "--user",
    "postgres",
    "--network",
    "none",
    "--volume",
    `${options.volume}:${postgresMount}`,
    "--entrypoint",
    "sh",
    options.image,
    "-c",
    postgresInitScript,
    "sh",
    options.adminUser,
  ];
}

/**
 * The database server, detached: on the environment's network only (no published port), restarted
 * by the runtime unless slipway stopped it, stopped with SIGINT (PostgreSQL's fast shutdown: open
 * transactions rolled back, data flushed; SIGTERM would wait for every client to leave).
 */
export function postgresRunArgv(
  runtime: ContainerRuntime,
  options: { names: AccessoryNames; image: string; labels: Readonly<Record<string, string>> },
): string[] {
  return [
    runtime,
    "run",
    "--detach",
    "--name",
    options.names.container,
    ...labelArgs(options.labels),
    "--restart",
    "unless-stopped",
    "--user",
    "postgres",
    "--network",
    options.names.network,
    "--volume",
    `${options.names.volume}:${postgresMount}`,
    "--stop-signal",
    "SIGINT",
    "--stop-timeout",
    "60",
    "--entrypoint",
    "postgres",
    options.image,
    "-D",
    postgresData,
    "-c",
    "listen_addresses=*",
  ];
}

/** Exits 0 when the server accepts connections (over its socket inside the container). */
export function postgresReadyArgv(runtime: ContainerRuntime, container: string, adminUser: string): string[] {
  return [runtime, "exec", "--user", "postgres", container, "pg_isready", "--quiet", "--username", adminUser, "--dbname", "postgres"];
}

/** psql inside the container as the superuser over the Unix socket, SQL on stdin, rows unaligned without headers. */
export function psqlArgv(runtime: ContainerRuntime, container: string, adminUser: string, database = "postgres"): string[] {
  return [
    runtime,
    "exec",
    "--interactive",
    "--user",
    "postgres",
    container,
    "psql",
    "--no-psqlrc",
    "--quiet",
    "--no-align",
    "--tuples-only",
    "--set",
    "ON_ERROR_STOP=1",
    "--username",
    adminUser,
    "--dbname",
    database,
  ];
}

const appRoleAttributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT";

/**
 * The app's database and least-privilege user, idempotently, as one psql script: prints
 * `created-role` / `created-database` for what did not exist, creates them, (re)sets the role's
 * attributes and password (a SCRAM verifier: the password itself is not in the SQL), takes
 * CONNECT away from PUBLIC on every database and grants the app user CONNECT on its own, and inside
 * it USAGE + CREATE on schema public. The database is owned by the admin: the app cannot drop it.
 */
export function postgresAppUserSql(options: { database: string; user: string; adminUser: string; verifier: string }): string {
  const { database, user, adminUser, verifier } = options;
  const role = quoteLiteral(user);
  const db = quoteLiteral(database);
  return [
    `SELECT 'created-role' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${role});`,
    `SELECT 'created-database' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${db});`,
    `SELECT format('CREATE ROLE %I', ${role}) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${role}) \\gexec`,
    `ALTER ROLE ${quoteIdentifier(user)} WITH ${appRoleAttributes} PASSWORD ${quoteLiteral(verifier)};`,
    `SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L', ${db}, ${quoteLiteral(adminUser)}, 'UTF8') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = ${db}) \\gexec`,
    "SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname) FROM pg_database WHERE datallowconn \\gexec",
    `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdentifier(database)} TO ${quoteIdentifier(user)};`,
    `\\connect ${quoteIdentifier(database)}`,
    "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
    `GRANT USAGE, CREATE ON SCHEMA public TO ${quoteIdentifier(user)};`,
    "",
  ].join("\n");
}

/** What the app-user script printed it created. */
export function parseAppUserOutput(lines: readonly string[]): { createdRole: boolean; createdDatabase: boolean; createdAdmin: boolean } {
  const words = new Set(lines.map((l) => l.trim()));
  return {
    createdRole: words.has("created-role"),
    createdDatabase: words.has("created-database"),
    createdAdmin: words.has("created-admin"),
  };
}

/*
 * MariaDB (`database.engine: mysql`), the same shape: data in a subfolder of the volume, made once
 * by mariadb-install-db in a one-off container; the server on the environment's network only; SQL
 * as the image's `mysql` OS user over the socket inside the container (unix_socket
 * authentication, so no password is needed there); the admin and app accounts set from
 * mysql_native_password hashes, so no password is ever in SQL.
 */

/** The official image: a MariaDB version as given (10.x, 11.x), else the current LTS for a MySQL version (5.7, 8.0). */
export function defaultMariadbImage(version: string): string {
  const major = Number(version.split(".")[0]);
  return `docker.io/library/mariadb:${major >= 10 ? version : "11.4"}`;
}

export const mariadbMount = "/var/lib/mysql";
export const mariadbData = `${mariadbMount}/data`;
export const mariadbSocket = "/run/mysqld/mysqld.sock";

/** mariadb-install-db into the volume unless it holds system tables already (prints `exists`, else `initialised`). */
export const mariadbInitScript = `set -e
d=${mariadbData}
if [ -d "$d/mysql" ]; then echo exists; exit 0; fi
mariadb-install-db --no-defaults --user=mysql --datadir="$d" --auth-root-authentication-method=socket --skip-test-db >/dev/null
echo initialised`;

export function mariadbInitArgv(runtime: ContainerRuntime, options: { container: string; volume: string; image: string }): string[] {
  return [
    runtime,
    "run",
    "--rm",
    "--name",
    `${options.container}-init`,
    "--user",
    "mysql",
    "--network",
    "none",
    "--volume",
    `${options.volume}:${mariadbMount}`,
    "--entrypoint",
    "sh",
    options.image,
    "-c",
    mariadbInitScript,
  ];
}

/** The server, detached, on the environment's network only; SIGTERM is mariadbd's clean shutdown. */
export function mariadbRunArgv(
  runtime: ContainerRuntime,
  options: { names: AccessoryNames; image: string; labels: Readonly<Record<string, string>> },
): string[] {
  return [
    runtime,
    "run",
    "--detach",
    "--name",
    options.names.container,
    ...labelArgs(options.labels),
    "--restart",
    "unless-stopped",
    "--user",
    "mysql",
    "--network",
    options.names.network,
    "--volume",
    `${options.names.volume}:${mariadbMount}`,
    "--stop-timeout",
    "60",
    "--entrypoint",
    "mariadbd",
    options.image,
    "--no-defaults",
    `--datadir=${mariadbData}`,
    "--bind-address=0.0.0.0",
    "--port=3306",
    `--socket=${mariadbSocket}`,
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
  ];
}

/** Exits 0 when the server answers on its socket. */
export function mariadbReadyArgv(runtime: ContainerRuntime, container: string): string[] {
  return [
    runtime,
    "exec",
    "--user",
    "mysql",
    container,
    "mariadb-admin",
    "--no-defaults",
    "--protocol=socket",
    `--socket=${mariadbSocket}`,
    "--user=mysql",
    "ping",
  ];
}

/** The client inside the container as the `mysql` OS user over the socket, SQL on stdin. */
export function mariadbClientArgv(runtime: ContainerRuntime, container: string): string[] {
  return [
    runtime,
    "exec",
    "--interactive",
    "--user",
    "mysql",
    container,
    "mariadb",
    "--no-defaults",
    "--protocol=socket",
    `--socket=${mariadbSocket}`,
    "--user=mysql",
    "--batch",
    "--skip-column-names",
  ];
}

const anyHost = (user: string) => `${quoteMariadbString(user)}@'%'`;

/**
 * The admin and app accounts (from any address of the network: `@'%'`) and the app's database,
 * idempotently: prints `created-admin`, `created-role`, `created-database` for what did not exist.
 * The admin gets every privilege; the app user ALL on its own database only (no GRANT OPTION,
 * nothing global: it cannot create databases or users).
 */
export function mariadbAccountsSql(options: {
  database: string;
  user: string;
  adminUser: string;
  adminHash: string;
  appHash: string;
}): string {
  const { database, user, adminUser } = options;
  const exists = (name: string) => `SELECT 1 FROM mysql.global_priv WHERE User = ${quoteMariadbString(name)} AND Host = '%'`;
  return [
    `SELECT 'created-admin' FROM DUAL WHERE NOT EXISTS (${exists(adminUser)});`,
    `SELECT 'created-role' FROM DUAL WHERE NOT EXISTS (${exists(user)});`,
    `SELECT 'created-database' FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${quoteMariadbString(database)});`,
    `CREATE USER IF NOT EXISTS ${anyHost(adminUser)} IDENTIFIED BY PASSWORD ${quoteMariadbString(options.adminHash)};`,
    `ALTER USER ${anyHost(adminUser)} IDENTIFIED BY PASSWORD ${quoteMariadbString(options.adminHash)};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${anyHost(adminUser)} WITH GRANT OPTION;`,
    `CREATE DATABASE IF NOT EXISTS ${quoteMariadbIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    `CREATE USER IF NOT EXISTS ${anyHost(user)} IDENTIFIED BY PASSWORD ${quoteMariadbString(options.appHash)};`,
    `ALTER USER ${anyHost(user)} IDENTIFIED BY PASSWORD ${quoteMariadbString(options.appHash)};`,
    `GRANT ALL PRIVILEGES ON ${grantDatabasePattern(database)}.* TO ${anyHost(user)};`,
    "",
  ].join("\n");
}

/*
 * Backups of the PostgreSQL accessory on the server: pg_dump and psql run inside the container
 * (as the superuser over its socket), the dump written to a 0600 file on the server while its lines
 * also stream back to slipway (which counts the rows for the manifest), the load read from that file
 * on the server. The dump format is the local target's (plain SQL, owners and grants kept).
 */

export function postgresDumpArgv(runtime: ContainerRuntime, container: string, adminUser: string, database: string): string[] {
  return [runtime, "exec", "--user", "postgres", container, "pg_dump", "--format=plain", `--username=${adminUser}`, `--dbname=${database}`];
}

/** Loads a plain dump (stdin) in one transaction: the first error stops it and nothing of it stays. */
export function postgresLoadArgv(runtime: ContainerRuntime, container: string, adminUser: string, database: string): string[] {
  return [
    runtime,
    "exec",
    "--interactive",
    "--user",
    "postgres",
    container,
    "psql",
    "--no-psqlrc",
    "--quiet",
    "--single-transaction",
    "--set=ON_ERROR_STOP=1",
    `--username=${adminUser}`,
    `--dbname=${database}`,
  ];
}

/**
 * Runs the dump command (`$2…`) with its output copied into `$1.partial` (0600) and to stdout;
 * renamed to `$1` only when the dump command exited 0, else removed (the exit code is kept).
 */
export const dumpToFileScript = `f=$1; shift
umask 077
mkdir -p "$(dirname "$f")" || exit 1
{ "$@"; echo $? >"$f.rc"; } | tee "$f.partial"
rc=$(cat "$f.rc" 2>/dev/null || echo 1); rm -f "$f.rc"
if [ "$rc" != 0 ]; then rm -f "$f.partial"; exit "$rc"; fi
mv "$f.partial" "$f"`;

export function dumpToFileArgv(file: string, dump: readonly string[]): string[] {
  return ["sh", "-c", dumpToFileScript, "sh", file, ...dump];
}

/** Prints the file's SHA-256 and its size in bytes, one a line. */
export function fileFactsArgv(file: string): string[] {
  return ["sh", "-c", 'sha256sum "$1" | cut -d" " -f1 && wc -c <"$1"', "sh", file];
}

/** Drops the app's database (its sessions ended first); the app-user script then makes it again, empty. */
export function postgresDropDatabaseSql(database: string): string {
  return `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE);\n`;
}

/** `<table>|<rows>` a line for each table of a manifest (names as the dump wrote them: already quoted where needed). */
export function rowCountSql(tables: readonly string[]): string {
  return tables.map((name) => `SELECT ${quoteLiteral(name)} || '|' || count(*) FROM ${name};\n`).join("");
}

/**
 * A scratch database for `slipway db drill` (owned by the admin, like the app's own): the app user
 * may connect and create in its schema public, as on the app's database, so the migrations run as it.
 */
export function postgresScratchSql(options: { database: string; user: string; adminUser: string }): string {
  const { database, user, adminUser } = options;
  return [
    `CREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(adminUser)} TEMPLATE template0 ENCODING 'UTF8';`,
    `REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC;`,
    `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdentifier(database)} TO ${quoteIdentifier(user)};`,
    `\\connect ${quoteIdentifier(database)}`,
    "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
    `GRANT USAGE, CREATE ON SCHEMA public TO ${quoteIdentifier(user)};`,
    "",
  ].join("\n");
}

/** The scratch databases of killed drills (`<prefix>…`), one name a line. */
export function postgresListPrefixedSql(prefix: string): string {
  return `SELECT datname FROM pg_database WHERE starts_with(datname, ${quoteLiteral(prefix)}) ORDER BY 1;\n`;
}

/*
 * MariaDB backups on the server: mariadb-dump and the client inside the container as the `mysql`
 * OS user over the socket (the local target's dump options: one consistent snapshot, routines,
 * triggers, events, binary as hex); the dump names no database, so it loads into any.
 */

const mariadbSocketArgs = ["--no-defaults", "--protocol=socket", `--socket=${mariadbSocket}`, "--user=mysql"];

export function mariadbDumpArgv(runtime: ContainerRuntime, container: string, database: string): string[] {
  return [runtime, "exec", "--user", "mysql", container, "mariadb-dump", ...mariadbSocketArgs, ...mariadbDumpOptions, database];
}

/** Loads a dump (stdin) into `database`; the first error stops it. */
export function mariadbLoadArgv(runtime: ContainerRuntime, container: string, database: string): string[] {
  return [
    runtime,
    "exec",
    "--interactive",
    "--user",
    "mysql",
    container,
    "mariadb",
    ...mariadbSocketArgs,
    "--batch",
    "--default-character-set=utf8mb4",
    database,
  ];
}

export function mariadbDumpVersionArgv(runtime: ContainerRuntime, container: string): string[] {
  return [runtime, "exec", "--user", "mysql", container, "mariadb-dump", "--version"];
}

export function mariadbDropDatabaseSql(database: string): string {
  return `DROP DATABASE IF EXISTS ${quoteMariadbIdentifier(database)};\n`;
}

/** A drill's scratch database, the app user allowed on it as on its own. */
export function mariadbScratchSql(options: { database: string; user: string }): string {
  return [
    `CREATE DATABASE ${quoteMariadbIdentifier(options.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    `GRANT ALL PRIVILEGES ON ${grantDatabasePattern(options.database)}.* TO ${quoteMariadbString(options.user)}@'%';`,
    "",
  ].join("\n");
}

export function mariadbListPrefixedSql(prefix: string): string {
  return `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ${prefix.length}) = ${quoteMariadbString(prefix)} ORDER BY 1;\n`;
}

/** `<table>|<rows>` a line for each table of a manifest (plain names, as the manifest holds them) of `database`. */
export function mariadbRowCountSql(database: string, tables: readonly string[]): string {
  return tables
    .map(
      (name) =>
        `SELECT CONCAT(${quoteMariadbString(name)}, '|', COUNT(*)) FROM ${quoteMariadbIdentifier(database)}.${quoteMariadbIdentifier(name)};\n`,
    )
    .join("");
}
