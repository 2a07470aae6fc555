/*
 * What slipway runs against a local MariaDB, as data: command lines of mariadb-install-db, mariadbd
 * and the mariadb client, and the SQL of the setup phase. Pure builders, tested as exact strings.
 */
import { createHash } from "node:crypto";

/** The all-privilege account slipway creates for the setup phase (TCP, password in admin.secret). */
export const mariadbAdminUser = "slipway_admin";

/** Every account slipway creates is bound to this host: the server listens on it only. */
export const mariadbAccountHost = "127.0.0.1";

/** The Debian/Ubuntu packages that bring mariadbd, mariadb-install-db and the mariadb client. */
export const mariadbInstallCommand = "apt-get update && apt-get install -y mariadb-server";

export interface MariadbBinaries {
  /** mariadbd (or mysqld). */
  server: string;
  /** mariadb-install-db (or mysql_install_db). */
  installDb: string;
  /** mariadb (or mysql), the command-line client. */
  client: string;
}

/**
 * Creates the system tables. Accounts: root@localhost and `<osUser>`@localhost, both by Unix socket
 * only (no password exists that could leak); slipway's own admin account is added after the start.
 */
export function installDbCommand(bin: MariadbBinaries, dataDir: string, osUser: string): readonly string[] {
  return [
    bin.installDb,
    "--no-defaults",
    `--user=${osUser}`,
    `--datadir=${dataDir}`,
    "--auth-root-authentication-method=socket",
    "--skip-test-db",
  ];
}

/** The server in the foreground (slipway detaches it); `--no-defaults` keeps /etc/mysql out of it. */
export function mariadbdCommand(bin: MariadbBinaries, options: { dataDir: string; port: number; socket: string }): readonly string[] {
  return [
    bin.server,
    "--no-defaults",
    `--datadir=${options.dataDir}`,
    `--port=${options.port}`,
    `--bind-address=${mariadbAccountHost}`,
    `--socket=${options.socket}`,
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
  ];
}

/** The client over the Unix socket as the server's OS user (socket authentication): only to create the admin account. */
export function socketClientCommand(bin: MariadbBinaries, socket: string, osUser: string): readonly string[] {
  return [bin.client, "--no-defaults", "--protocol=socket", `--socket=${socket}`, `--user=${osUser}`, "--batch", "--skip-column-names"];
}

/** The client over TCP with the credentials in an option file (never on the command line). */
export function tcpClientCommand(bin: MariadbBinaries, optionFile: string): readonly string[] {
  return [bin.client, `--defaults-file=${optionFile}`, "--batch", "--skip-column-names", "--connect-timeout=5"];
}

export function clientOptionFile(options: { user: string; password: string; port: number }): string {
  return `[client]\nprotocol=tcp\nhost=${mariadbAccountHost}\nport=${options.port}\nuser=${options.user}\npassword="${options.password.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"\n`;
}

/** A quoted identifier: my`db → `my``db`. */
export function quoteMariadbIdentifier(name: string): string {
  if (name.includes("\0")) throw new Error("identifier contains a NUL character");
  return `\`${name.replaceAll("`", "``")}\``;
}

/** A quoted string literal under the default SQL mode (backslash escapes on). */
export function quoteMariadbString(value: string): string {
  if (value.includes("\0")) throw new Error("string contains a NUL character");
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** In GRANT … ON `db`.*, `_` and `%` are wildcards: `my_app` would also match `myXapp`. Escape them. */
export function grantDatabasePattern(database: string): string {
  return quoteMariadbIdentifier(database.replace(/[\\_%]/g, (char) => `\\${char}`));
}

/** mysql_native_password's stored form, `*` + SHA1(SHA1(password)), so SQL never carries the password itself. */
export function nativePasswordHash(password: string): string {
  const inner = createHash("sha1").update(password, "utf8").digest();
  return `*${createHash("sha1").update(inner).digest("hex").toUpperCase()}`;
}

function account(user: string): string {
  return `${quoteMariadbString(user)}@${quoteMariadbString(mariadbAccountHost)}`;
}

/** Why `name` cannot be an app's database or user name, or undefined when it can. */
export function invalidMariadbName(kind: "database" | "user", name: string): string | undefined {
  if (name === "") return `the ${kind} name is empty`;
  if (name.includes("\0")) return `the ${kind} name contains a NUL character`;
  const max = kind === "database" ? 64 : 80;
  if ([...name].length > max) return `the ${kind} name ${JSON.stringify(name)} is longer than MariaDB's ${max} characters`;
  if (kind === "database" && name.endsWith(" ")) return "the database name ends with a space";
  const reserved =
    kind === "database" ? ["mysql", "information_schema", "performance_schema", "sys"] : ["root", "mysql", "mariadb.sys", mariadbAdminUser];
  if (reserved.includes(name.toLowerCase())) return `the ${kind} name ${JSON.stringify(name)} is reserved`;
  return undefined;
}

/** Creates (or re-keys) slipway's admin account; idempotent. */
export function adminAccountSql(password: string): string {
  const hash = quoteMariadbString(nativePasswordHash(password));
  return [
    `CREATE USER IF NOT EXISTS ${account(mariadbAdminUser)} IDENTIFIED BY PASSWORD ${hash};`,
    `ALTER USER ${account(mariadbAdminUser)} IDENTIFIED BY PASSWORD ${hash};`,
    `GRANT ALL PRIVILEGES ON *.* TO ${account(mariadbAdminUser)} WITH GRANT OPTION;`,
    "",
  ].join("\n");
}

/**
 * The setup phase: prints whether the database and the user existed (two lines, 0 or 1), then
 * creates what is missing, sets the password and grants ALL on that one database (no GRANT OPTION,
 * nothing global: the user cannot create other databases or users).
 */
export function ensureDatabaseSql(database: string, user: string, password: string): string {
  const hash = quoteMariadbString(nativePasswordHash(password));
  return [
    `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${quoteMariadbString(database)};`,
    `SELECT COUNT(*) FROM mysql.global_priv WHERE User = ${quoteMariadbString(user)} AND Host = ${quoteMariadbString(mariadbAccountHost)};`,
    `CREATE DATABASE IF NOT EXISTS ${quoteMariadbIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
    `CREATE USER IF NOT EXISTS ${account(user)} IDENTIFIED BY PASSWORD ${hash};`,
    `ALTER USER ${account(user)} IDENTIFIED BY PASSWORD ${hash};`,
    `GRANT ALL PRIVILEGES ON ${grantDatabasePattern(database)}.* TO ${account(user)};`,
    "",
  ].join("\n");
}
