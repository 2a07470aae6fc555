/*
 * The host target's `slipway db` for the PostgreSQL accessory: `backup` dumps the app's database
 * with pg_dump inside the container into <dir>/<app>/<env>/backups/<time>-r<revision>.sql (0600 on
 * the server) with the local target's manifest beside it (size, SHA-256 read on the server, row
 * counts from the dump's lines as they stream by); `restore` checks the file against its manifest,
 * takes a pre-restore dump, recreates the database, loads the dump in one transaction with psql in
 * the container and compares the row counts. `drill` and MariaDB are not built yet.
 */
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
  postgresDropDatabaseSql,
  postgresDumpArgv,
  postgresLoadArgv,
  psqlArgv,
  rowCountSql,
  withStdinFromArgv,
} from "../../effects/database-accessory-commands.js";
import type { BackupManifest } from "../../effects/database-backup.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { Redactor } from "../../secrets/redact.js";
import type { DbOperations, DbView, StyledLine } from "../driver.js";
import { AccessoryError, type AccessoryPlace, ensureAccessoryRunning, namesOf, setupDatabaseAccessory } from "./database.js";

export interface HostDbOptions {
  place: AccessoryPlace;
  history: HistoryStore;
  redactor: Redactor;
}

const backupName = /^\d{8}T\d{9}Z-r\d+(-pre-restore)?\.sql$/;

export function hostDbOperations(options: HostDbOptions): DbOperations {
  const { place } = options;
  const db = place.database;
  const backupsDir = join(place.stateDir, "backups");
  const container = namesOf(place).container;

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

  const requirePostgres = (action: string) => {
    if (db.engine !== "postgres")
      throw new SlipwayError("HOST_NOT_SUPPORTED", `slipway db ${action} of a MariaDB accessory is not built yet`, {
        hint: "Dump it by hand meanwhile: slipway's accessory answers `mariadb-dump` through `podman exec` on the server.",
      });
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
    const counter = new DumpRowCounter("postgres");
    const dumped = await run(dumpToFileArgv(file, postgresDumpArgv(place.runtime, container, db.adminUser, db.name)), {
      timeoutMs: 6 * 3600_000,
      onLine: (line) => counter.push(`${line}\n`),
    });
    if (dumped.exitCode !== 0)
      throw new SlipwayError(
        "DB_BACKUP_FAILED",
        `pg_dump of ${JSON.stringify(db.name)} exited with ${dumped.exitCode}: ${dumped.lastLines.slice(-3).join(" | ")}`,
        {
          hint: "Nothing was kept of this dump; check the database container (`slipway host setup`).",
        },
      );
    const facts = await run(fileFactsArgv(file));
    const [sha256 = "", size = ""] = facts.stdout.map((l) => l.trim());
    const version = (await run([place.runtime, "exec", "--user", "postgres", container, "pg_dump", "--version"])).stdout.join("").trim();
    const manifest: BackupManifest = {
      format: 1,
      app: place.app,
      environment: place.environment,
      engine: "postgres",
      database: db.name,
      file: name,
      kind,
      createdAt: createdAt.toISOString(),
      revision: revision ?? 0,
      bytes: Number(size),
      sha256,
      serverVersion: version.replace(/^pg_dump \(PostgreSQL\)\s*/, ""),
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

  return {
    async backup(request): Promise<DbView> {
      const keep = request.keep ?? db.backupKeep;
      requirePostgres("backup");
      await live();
      const { file, manifest, removed } = await takeBackup("backup", keep);
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
      requirePostgres("restore");
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
      const manifest = JSON.parse(text) as BackupManifest;
      const facts = (await run(fileFactsArgv(file))).stdout.map((l) => l.trim());
      if (facts[0] !== manifest.sha256 || Number(facts[1]) !== manifest.bytes)
        throw new SlipwayError("DB_BACKUP_CORRUPT", `${name} on the server does not match its manifest (sha256 or size differ)`, {
          hint: "Use another backup (--from <file>).",
        });
      if (!yes)
        throw new SlipwayError(
          "DB_RESTORE_NEEDS_YES",
          `restoring ${name} replaces everything in the live database ${JSON.stringify(db.name)} of '${place.environment}'`,
          {
            hint: "Add --yes to do it (a pre-restore dump is taken first).",
          },
        );
      await live();
      const started = Date.now();
      const pre = await takeBackup("pre-restore", keep);
      const failed = (message: string) =>
        new SlipwayError("DB_RESTORE_FAILED", `restore of ${name} into ${JSON.stringify(db.name)}: ${message}`, {
          hint: `The data from before is in ${pre.file}: slipway db restore -e ${place.environment} --from ${pre.manifest.file} --yes puts it back.`,
        });
      const dropped = await run(psqlArgv(place.runtime, container, db.adminUser), { input: postgresDropDatabaseSql(db.name) });
      if (dropped.exitCode !== 0) throw failed(`DROP DATABASE failed: ${dropped.lastLines.slice(-3).join(" | ")}`);
      // The same script as `host setup`: the database made again, empty, with the app user's grants.
      try {
        await setupDatabaseAccessory(place, () => undefined);
      } catch (error) {
        throw failed(error instanceof AccessoryError ? `${error.message}: ${error.lastLines.join(" | ")}` : String(error));
      }
      const loaded = await run(withStdinFromArgv(file, postgresLoadArgv(place.runtime, container, db.adminUser, db.name)), {
        timeoutMs: 6 * 3600_000,
      });
      if (loaded.exitCode !== 0) throw failed(`psql exited with ${loaded.exitCode}: ${loaded.lastLines.slice(-3).join(" | ")}`);
      const counted = await run(psqlArgv(place.runtime, container, db.adminUser, db.name), {
        input: rowCountSql(manifest.tables.map((t) => t.name)),
      });
      const actual = new Map(
        counted.stdout.flatMap((line) => {
          const at = line.lastIndexOf("|");
          return at < 0 ? [] : [[line.slice(0, at), Number(line.slice(at + 1))] as [string, number]];
        }),
      );
      const mismatches = compareWithManifest(manifest.tables, actual);
      if (counted.exitCode !== 0 || mismatches.length > 0)
        throw failed(
          counted.exitCode !== 0
            ? `counting rows failed: ${counted.lastLines.join(" | ")}`
            : `row counts differ from the manifest: ${describeMismatches(mismatches)}`,
        );
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      return {
        result: { file, preRestore: pre.file, seconds, tables: manifest.tables },
        lines: [
          [{ tone: "green", text: "restored" }, ` ${file} into ${db.name} (${seconds} s)`],
          [`  the data from before: ${pre.file}`],
          ...manifestLines(manifest),
        ],
      };
    },

    async drill() {
      throw new SlipwayError("HOST_NOT_SUPPORTED", "slipway db drill is not built for host environments yet", {
        hint: `Check a backup by restoring it (slipway db restore -e ${place.environment} --yes takes a pre-restore dump first), or drill it on a local environment.`,
      });
    },
  };
}
