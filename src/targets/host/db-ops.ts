/*
 * The host target's `slipway db` for the PostgreSQL accessory: `backup` dumps the app's database
 * with pg_dump inside the container into <dir>/<app>/<env>/backups/<time>-r<revision>.sql (0600 on
 * the server) with the local target's manifest beside it (size, SHA-256 read on the server, row
 * counts from the dump's lines as they stream by); `restore` checks the file against its manifest,
 * takes a pre-restore dump, recreates the database, loads the dump in one transaction with psql in
 * the container and compares the row counts; `drill` loads a backup into a scratch database of the
 * accessory (`slipway_drill_…`, always dropped), compares its row counts, runs the current release's
 * migrations on it (a one-off container of its image) and reports RTO and RPO. MariaDB the same way
 * with mariadb-dump and the mariadb client. Every backup, restore and drill is recorded in
 * <dir>/<app>/<env>/db-history on the server (the local target's entries, 0600) for golive and runbook.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { currentRelease, type HistoryStore } from "../../deploy/history.js";
import {
  backupFileName,
  backupsToRemove,
  compareWithManifest,
  DumpRowCounter,
  describeMismatches,
  latestBackup,
  manifestFileName,
} from "../../effects/backup-commands.js";
import {
  dumpToFileArgv,
  fileFactsArgv,
  mariadbClientArgv,
  mariadbDropDatabaseSql,
  mariadbDumpArgv,
  mariadbDumpVersionArgv,
  mariadbListPrefixedSql,
  mariadbLoadArgv,
  mariadbRowCountSql,
  mariadbScratchSql,
  postgresDropDatabaseSql,
  postgresDumpArgv,
  postgresListPrefixedSql,
  postgresLoadArgv,
  postgresScratchSql,
  psqlArgv,
  rowCountSql,
  withStdinFromArgv,
} from "../../effects/database-accessory-commands.js";
import type { BackupManifest, DbHistoryEntry } from "../../effects/database-backup.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { Redactor } from "../../secrets/redact.js";
import type { DbOperations, DbView, StyledLine } from "../driver.js";
import { AccessoryError, type AccessoryPlace, ensureAccessoryRunning, namesOf, setupDatabaseAccessory } from "./database.js";

export interface HostDbOptions {
  place: AccessoryPlace;
  history: HistoryStore;
  redactor: Redactor;
  /**
   * Runs the current release's migrate command (its image, on the environment's network, as the app
   * user) against `database`; undefined when nothing was deployed yet or the app has no migrate.
   */
  migrate(database: string): Promise<{ command: readonly string[]; exitCode: number | null; lastLines: string[] } | undefined>;
}

/** Scratch databases of host drills: `slipway_drill_<time>_<random>`, so a later drill can drop what a killed one left. */
export const scratchPrefix = "slipway_drill_";
const seconds = (ms: number) => Math.round(ms / 100) / 10;

const backupName = /^\d{8}T\d{9}Z-r\d+(-pre-restore)?\.sql$/;

export function hostDbOperations(options: HostDbOptions): DbOperations {
  const { place } = options;
  const db = place.database;
  const backupsDir = join(place.stateDir, "backups");
  const container = namesOf(place).container;
  const historyDir = join(place.stateDir, "db-history");
  const postgres = db.engine === "postgres";
  const engine = {
    dump: () =>
      postgres ? postgresDumpArgv(place.runtime, container, db.adminUser, db.name) : mariadbDumpArgv(place.runtime, container, db.name),
    load: (database: string) =>
      postgres ? postgresLoadArgv(place.runtime, container, db.adminUser, database) : mariadbLoadArgv(place.runtime, container, database),
    admin: (database?: string) =>
      postgres ? psqlArgv(place.runtime, container, db.adminUser, database) : mariadbClientArgv(place.runtime, container),
    drop: (database: string) => (postgres ? postgresDropDatabaseSql(database) : mariadbDropDatabaseSql(database)),
    scratch: (database: string) =>
      postgres ? postgresScratchSql({ database, user: db.user, adminUser: db.adminUser }) : mariadbScratchSql({ database, user: db.user }),
    listScratch: () => (postgres ? postgresListPrefixedSql(scratchPrefix) : mariadbListPrefixedSql(scratchPrefix)),
    count: (database: string, tables: readonly string[]) =>
      postgres
        ? { argv: psqlArgv(place.runtime, container, db.adminUser, database), sql: rowCountSql(tables) }
        : { argv: mariadbClientArgv(place.runtime, container), sql: mariadbRowCountSql(database, tables) },
    version: () =>
      postgres
        ? [place.runtime, "exec", "--user", "postgres", container, "pg_dump", "--version"]
        : mariadbDumpVersionArgv(place.runtime, container),
    tool: postgres ? "pg_dump" : "mariadb-dump",
  };

  const run = async (command: readonly string[], extra: { input?: string; onLine?: (line: string) => void; timeoutMs?: number } = {}) => {
    const stdout: string[] = [];
    const result = await place.host.run({
      command,
      cwd: "/",
      env: place.env,
      timeoutMs: extra.timeoutMs ?? 60_000,
      lastLineCount: 20,
      ...(extra.input !== undefined ? { input: extra.input } : {}),
      onLine: (line, stream) => {
        if (stream !== "stdout") return;
        if (extra.onLine) extra.onLine(line);
        else stdout.push(line);
      },
    });
    return { ...result, stdout, lastLines: result.lastLines.map((l) => options.redactor.text(l)) };
  };

  /** An entry of the db history on the server (its own 0600 file, named by time and action, as the local target's). */
  const record = async (entry: DbHistoryEntry) => {
    const stamp = entry.at.replace(/[-:]/g, "").replace(".", "");
    const clean = options.redactor.deep(entry);
    await place.host.makeDir(historyDir);
    await run(["chmod", "700", historyDir]);
    await place.host.writeFileAtomic(
      join(historyDir, `${stamp}-${entry.action}-${randomBytes(3).toString("hex")}.json`),
      `${JSON.stringify(clean, null, 2)}\n`,
      0o600,
    );
  };

  const live = async () => {
    try {
      await ensureAccessoryRunning(place, () => undefined);
    } catch (error) {
      throw new SlipwayError(
        "DB_BACKUP_FAILED",
        `the database accessory does not answer: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: `Run slipway host setup -e ${place.environment}.`,
        },
      );
    }
  };

  /** Every file of the backups folder (dumps and manifests), sorted. */
  const listFiles = async (): Promise<string[]> => {
    const result = await run([
      "sh",
      "-c",
      'cd "$1" 2>/dev/null || exit 0; for f in *; do [ -f "$f" ] && printf "%s\\n" "$f"; done',
      "sh",
      backupsDir,
    ]);
    return result.stdout.sort();
  };
  const listBackups = async (): Promise<string[]> => (await listFiles()).filter((name) => backupName.test(name));

  const takeBackup = async (kind: "backup" | "pre-restore", keep: number) => {
    const createdAt = new Date();
    const revision = currentRelease(await options.history.list())?.revision;
    const name = backupFileName(createdAt, revision, kind);
    const file = join(backupsDir, name);
    const counter = new DumpRowCounter(postgres ? "postgres" : "mysql");
    const dumped = await run(dumpToFileArgv(file, engine.dump()), {
      timeoutMs: 6 * 3600_000,
      onLine: (line) => counter.push(`${line}\n`),
    });
    if (dumped.exitCode !== 0)
      throw new SlipwayError(
        "DB_BACKUP_FAILED",
        `${engine.tool} of ${JSON.stringify(db.name)} exited with ${dumped.exitCode}: ${dumped.lastLines.slice(-3).join(" | ")}`,
        {
          hint: "Nothing was kept of this dump; check the database container (`slipway host setup`).",
        },
      );
    const facts = await run(fileFactsArgv(file));
    const [sha256 = "", size = ""] = facts.stdout.map((l) => l.trim());
    const version = (await run(engine.version())).stdout.join("").trim();
    const manifest: BackupManifest = {
      format: 1,
      app: place.app,
      environment: place.environment,
      engine: postgres ? "postgres" : "mysql",
      database: db.name,
      file: name,
      kind,
      createdAt: createdAt.toISOString(),
      revision: revision ?? 0,
      bytes: Number(size),
      sha256,
      serverVersion: postgres ? version.replace(/^pg_dump \(PostgreSQL\)\s*/, "") : (/Distrib ([^\s,]+)/.exec(version)?.[1] ?? version),
      tool: version,
      tables: counter.finish(),
    };
    await place.host.writeFileAtomic(join(backupsDir, manifestFileName(name)), `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
    const removed = backupsToRemove(await listFiles(), keep, name);
    for (const old of removed) {
      await place.host.remove(join(backupsDir, old));
      await place.host.remove(join(backupsDir, manifestFileName(old)));
    }
    return { file, manifest, removed };
  };

  const manifestLines = (manifest: BackupManifest): StyledLine[] =>
    manifest.tables.map((t) => [{ tone: "dim", text: `  ${t.name}: ${t.rows} row${t.rows === 1 ? "" : "s"}` }]);

  /** The backup `from` names (latest or a file name of the backups folder), checked against its manifest on the server. */
  const resolveBackup = async (from: string): Promise<{ name: string; file: string; manifest: BackupManifest }> => {
    const name = from === "latest" ? latestBackup(await listBackups())?.file : from.slice(from.lastIndexOf("/") + 1);
    if (name === undefined || !backupName.test(name))
      throw new SlipwayError(
        "DB_BACKUP_NOT_FOUND",
        `no backup ${from === "latest" ? "yet" : JSON.stringify(from)} in ${backupsDir} on the server`,
        {
          hint: `Take one: slipway db backup -e ${place.environment}.`,
        },
      );
    const file = join(backupsDir, name);
    const text = await place.host.readText(join(backupsDir, manifestFileName(name)));
    if (text === undefined)
      throw new SlipwayError("DB_BACKUP_NOT_FOUND", `no backup ${name} (or no manifest beside it) in ${backupsDir} on the server`, {
        hint: `List them on the server: ls ${backupsDir}`,
      });
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(text) as BackupManifest;
    } catch {
      throw new SlipwayError("DB_BACKUP_CORRUPT", `${manifestFileName(name)} on the server is not valid JSON`, {
        hint: "A backup is only trusted with the manifest slipway wrote beside it; take a new one with `slipway db backup`.",
      });
    }
    const facts = (await run(fileFactsArgv(file))).stdout.map((l) => l.trim());
    const size = Number(facts[1]);
    const sha256 = facts[0] ?? "";
    if (sha256 !== manifest.sha256 || size !== manifest.bytes) {
      const what =
        size < manifest.bytes
          ? `it is truncated: ${size} bytes where the manifest says ${manifest.bytes}`
          : size !== manifest.bytes
            ? `its size is ${size} bytes where the manifest says ${manifest.bytes}`
            : `its SHA-256 is ${sha256.slice(0, 16)}… where the manifest says ${manifest.sha256.slice(0, 16)}…`;
      throw new SlipwayError("DB_BACKUP_CORRUPT", `backup ${name} is damaged: ${what}`, {
        hint: "Use another backup (`--from FILE`), or take a new one with `slipway db backup`; this file will not be loaded.",
      });
    }
    return { name, file, manifest };
  };

  /** Row counts of the manifest's tables in `database`: mismatches, or the reason counting failed. */
  const checkCounts = async (database: string, manifest: BackupManifest) => {
    const { argv, sql } = engine.count(
      database,
      manifest.tables.map((t) => t.name),
    );
    const counted = await run(argv, { input: sql });
    if (counted.exitCode !== 0) return { error: `counting rows failed: ${counted.lastLines.join(" | ")}`, mismatches: [] };
    const actual = new Map(
      counted.stdout.flatMap((line) => {
        const at = line.lastIndexOf("|");
        return at < 0 ? [] : [[line.slice(0, at), Number(line.slice(at + 1))] as [string, number]];
      }),
    );
    return { mismatches: compareWithManifest(manifest.tables, actual) };
  };

  const errorText = (error: unknown) => options.redactor.text(error instanceof Error ? error.message : String(error));

  return {
    async history() {
      const names = (
        await run([
          "sh",
          "-c",
          'cd "$1" 2>/dev/null || exit 0; for f in *.json; do [ -f "$f" ] && printf "%s\\n" "$f"; done',
          "sh",
          historyDir,
        ])
      ).stdout.sort();
      const entries: DbHistoryEntry[] = [];
      for (const name of names) {
        try {
          const value = JSON.parse((await place.host.readText(join(historyDir, name))) ?? "") as DbHistoryEntry;
          if (typeof value.action === "string" && typeof value.at === "string") entries.push(value);
        } catch {
          // A torn or edited entry: skipped.
        }
      }
      return entries;
    },

    async backup(request): Promise<DbView> {
      const keep = request.keep ?? db.backupKeep;
      await live();
      const { file, manifest, removed } = await takeBackup("backup", keep);
      await record({
        action: "backup",
        ok: true,
        at: manifest.createdAt,
        file: manifest.file,
        bytes: manifest.bytes,
        sha256: manifest.sha256,
        tables: manifest.tables.length,
      });
      return {
        result: { file, manifest, removed },
        lines: [
          [{ tone: "green", text: "backup" }, ` ${file} (on the server)`],
          [`  ${manifest.bytes} bytes, sha256 ${manifest.sha256}, ${manifest.tables.length} tables (${manifest.tool})`],
          ...manifestLines(manifest),
          ...(removed.length > 0 ? [[`  retention (keep ${keep}): removed ${removed.join(", ")}`] as StyledLine] : []),
        ],
      };
    },

    async restore({ from, yes, keep: keepFlag }): Promise<DbView> {
      const keep = keepFlag ?? db.backupKeep;
      const { name, file, manifest } = await resolveBackup(from);
      if (!yes)
        throw new SlipwayError(
          "DB_RESTORE_NEEDS_YES",
          `restoring ${name} replaces everything in the live database ${JSON.stringify(db.name)} of '${place.environment}'`,
          {
            hint: `Add --yes to do it (a pre-restore dump is taken first), or try the backup safely with: slipway db drill -e ${place.environment} --from ${name}.`,
          },
        );
      await live();
      const started = Date.now();
      const pre = await takeBackup("pre-restore", keep);
      const failed = (message: string) =>
        new SlipwayError("DB_RESTORE_FAILED", `restore of ${name} into ${JSON.stringify(db.name)}: ${message}`, {
          hint: `The data from before is in ${pre.file}: slipway db restore -e ${place.environment} --from ${pre.manifest.file} --yes puts it back.`,
        });
      try {
        const dropped = await run(engine.admin(), { input: engine.drop(db.name) });
        if (dropped.exitCode !== 0) throw failed(`DROP DATABASE failed: ${dropped.lastLines.slice(-3).join(" | ")}`);
        // The same script as `host setup`: the database made again, empty, with the app user's grants.
        try {
          await setupDatabaseAccessory(place, () => undefined);
        } catch (error) {
          throw failed(error instanceof AccessoryError ? `${error.message}: ${error.lastLines.join(" | ")}` : String(error));
        }
        const loaded = await run(withStdinFromArgv(file, engine.load(db.name)), { timeoutMs: 6 * 3600_000 });
        if (loaded.exitCode !== 0)
          throw failed(`${postgres ? "psql" : "mariadb"} exited with ${loaded.exitCode}: ${loaded.lastLines.slice(-3).join(" | ")}`);
        const counted = await checkCounts(db.name, manifest);
        if (counted.error !== undefined || counted.mismatches.length > 0)
          throw failed(counted.error ?? `row counts differ from the manifest: ${describeMismatches(counted.mismatches)}`);
      } catch (error) {
        await record({
          action: "restore",
          ok: false,
          at: new Date().toISOString(),
          file: name,
          preRestore: pre.manifest.file,
          error: errorText(error),
        });
        throw error;
      }
      const took = seconds(Date.now() - started);
      await record({ action: "restore", ok: true, at: new Date().toISOString(), file: name, preRestore: pre.manifest.file, seconds: took });
      return {
        result: { file, preRestore: pre.file, seconds: took, tables: manifest.tables },
        lines: [
          [{ tone: "green", text: "restored" }, ` ${file} into ${db.name} (${took} s)`],
          [`  the data from before: ${pre.file}`],
          ...manifestLines(manifest),
        ],
      };
    },

    async drill({ from }): Promise<DbView> {
      const at = new Date();
      const started = Date.now();
      let mark = started;
      const phases: Record<string, number> = {};
      const phase = (what: string) => {
        const now = Date.now();
        phases[what] = seconds(now - mark);
        mark = now;
      };
      // Sortable by time: a drill removes the scratch databases of drills killed before they could.
      const scratch = `${scratchPrefix}${at.toISOString().replace(/\D/g, "").slice(0, 14)}_${randomBytes(4).toString("hex")}`;
      let shown = from;
      let manifest: BackupManifest | undefined;
      let mismatches: ReturnType<typeof compareWithManifest> = [];
      let created = false;
      const failed = (message: string, hint: string) =>
        new SlipwayError("DB_DRILL_FAILED", `drill of ${shown} on '${place.environment}': ${message}`, { hint });
      const entry = (ok: boolean, extra: Record<string, unknown>): DbHistoryEntry => ({
        action: "drill",
        ok,
        at: at.toISOString(),
        file: shown,
        engine: postgres ? "postgres" : "mysql",
        ...(manifest
          ? { backupCreatedAt: manifest.createdAt, backupAgeSeconds: seconds(at.getTime() - Date.parse(manifest.createdAt)) }
          : {}),
        phases,
        ...extra,
      });
      try {
        const resolved = await resolveBackup(from);
        shown = resolved.name;
        manifest = resolved.manifest;
        phase("verify");
        await live();
        // Copies left by a killed drill hold a full copy of the data: dropped now.
        const stale = await run(engine.admin(), { input: engine.listScratch() });
        for (const old of stale.stdout.map((l) => l.trim()).filter((l) => l.startsWith(scratchPrefix)))
          await run(engine.admin(), { input: engine.drop(old) });
        mark = Date.now();
        const made = await run(engine.admin(), { input: engine.scratch(scratch) });
        created = true;
        if (made.exitCode !== 0)
          throw failed(
            `the scratch database could not be made: ${made.lastLines.slice(-3).join(" | ")}`,
            "Check the database container (`slipway host setup`).",
          );
        const loaded = await run(withStdinFromArgv(resolved.file, engine.load(scratch)), { timeoutMs: 6 * 3600_000 });
        if (loaded.exitCode !== 0)
          throw failed(
            `the backup did not load into a scratch database: ${loaded.lastLines.slice(-3).join(" | ")}`,
            "The backup cannot be restored as it is; take a new one.",
          );
        phase("load");
        const counted = await checkCounts(scratch, manifest);
        mismatches = counted.mismatches;
        phase("check");
        if (counted.error !== undefined || mismatches.length > 0)
          throw failed(
            counted.error ?? `row counts differ from the manifest: ${describeMismatches(mismatches)}`,
            "The restored data is not what was dumped; take a new backup and drill it.",
          );
        const migrated = await options.migrate(scratch);
        if (migrated && migrated.exitCode !== 0)
          throw failed(
            `the migrations (\`${migrated.command.join(" ")}\`) exited with ${migrated.exitCode} on the restored copy${migrated.lastLines.length > 0 ? `: ${migrated.lastLines.slice(-5).join(" | ")}` : ""}`,
            "The current release's migrations do not apply to this backup; fix them before you need the backup.",
          );
        phase("migrate");
        const rtoSeconds = seconds(Date.now() - started);
        const backupAgeSeconds = seconds(at.getTime() - Date.parse(manifest.createdAt));
        await record(entry(true, { rtoSeconds, tables: manifest.tables.length, migrated: migrated !== undefined }));
        return {
          result: {
            ok: true,
            file: resolved.file,
            engine: postgres ? "postgres" : "mysql",
            rtoSeconds,
            rpoSeconds: backupAgeSeconds,
            backupCreatedAt: manifest.createdAt,
            phases,
            tables: manifest.tables,
            migrated: migrated !== undefined,
          },
          lines: [
            [{ tone: "green", text: "drill passed" }, ` ${resolved.file} (${db.engine}, on the server)`],
            [
              { tone: "bold", text: `  RTO ${rtoSeconds} s` },
              ` (verify ${phases.verify} s, load ${phases.load} s, check ${phases.check} s, migrate ${phases.migrate} s)`,
            ],
            [{ tone: "bold", text: `  RPO ${backupAgeSeconds} s` }, ` (the backup was taken ${manifest.createdAt})`],
            [
              `  ${manifest.tables.length} tables match the manifest's row counts${migrated ? "; the migrations ran on the restored copy" : ""}`,
            ],
          ],
        };
      } catch (error) {
        await record(entry(false, { error: errorText(error), ...(mismatches.length > 0 ? { mismatches } : {}) })).catch(() => undefined);
        throw error;
      } finally {
        if (created) await run(engine.admin(), { input: engine.drop(scratch) }).catch(() => undefined);
      }
    },
  };
}
