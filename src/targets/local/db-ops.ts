import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile } from "node:fs/promises";
import { basename, isAbsolute, join, resolve } from "node:path";
import { currentRelease, type HistoryStore } from "../../deploy/history.js";
import { compareWithManifest, describeMismatches, latestBackup, parseS3Uri, type TableCheck } from "../../effects/backup-commands.js";
import { copyBackupToS3, fetchBackupFromS3, latestBackupInS3, type S3Copy } from "../../effects/backup-s3.js";
import {
  type BackupManifest,
  type BackupServer,
  backupDatabase,
  countRows,
  dropDatabase,
  dropStaleScratch,
  listBackups,
  loadBackup,
  readDbHistory,
  recordDbHistory,
  recreateDatabase,
  verifyBackup,
} from "../../effects/database-backup.js";
import type { DatabaseServer } from "../../effects/database-server.js";
import { startMariadb } from "../../effects/mariadb-server.js";
import { startPostgres } from "../../effects/postgres-server.js";
import { isAlive, runCommand } from "../../effects/processes.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import { databaseUrl } from "../../render/database-url.js";
import type { Redactor } from "../../secrets/redact.js";
import type { DbOperations, DbView, StyledLine } from "../driver.js";
import { databaseStateDir, type localTarget, withReleasePath } from "./local-target.js";

export interface LocalDbOptions {
  model: AppModel;
  /** .slipway/<env> */
  stateDir: string;
  /** The folder of slipway.yaml. */
  specDir: string;
  history: HistoryStore;
  env: Readonly<Record<string, string | undefined>>;
  /** The command's redactor: the database passwords are added to it. */
  redactor: Redactor;
  /** The engine target (for the migration's environment), loaded with the app's secrets. */
  target: () => Promise<ReturnType<typeof localTarget>>;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * The local target's `slipway db`: logical dumps of the environment's database under
 * .slipway/<env>/backups, restores into the live database (with a pre-restore dump first), and drills
 * that restore into a scratch database, migrate it and compare row counts with the manifest.
 */
export function localDbOperations(options: LocalDbOptions): DbOperations {
  const { model, stateDir } = options;
  const backupsDir = join(stateDir, "backups");
  const historyDir = join(stateDir, "db-history");
  const db = model.database;

  const requireDatabase = () => {
    if (!db)
      throw new SlipwayError("DB_NO_DATABASE", `environment '${model.environment}' of ${model.name} has no database`, {
        hint: "Add a database block to slipway.yaml; slipway db works on the database slipway runs for the app.",
      });
    return db;
  };

  /** The running server (started when it was stopped); the database must have been made by a deploy. */
  const server = async (): Promise<DatabaseServer> => {
    const database = requireDatabase();
    const dir = databaseStateDir(stateDir, database.engine);
    const port = Number((await readFile(join(dir, "port"), "utf8").catch(() => "")).trim());
    if (!Number.isSafeInteger(port) || port < 1) {
      throw new SlipwayError("DB_BACKUP_NOT_FOUND", `environment '${model.environment}' has no database yet (nothing under ${dir})`, {
        hint: `Deploy first: slipway deploy -e ${model.environment}.`,
      });
    }
    const started =
      database.engine === "postgres" ? await startPostgres({ stateDir: dir, port }) : await startMariadb({ stateDir: dir, port });
    options.redactor.add([started.admin.password]);
    return started;
  };

  const revision = async () => currentRelease(await options.history.list())?.revision;

  /** Fetches `s3://…` into the backups folder (a file of that name already there is used as it is). */
  const fromS3 = async (uri: string): Promise<string> => {
    const location = parseS3Uri(uri);
    if (!location)
      throw new SlipwayError("DB_BACKUP_NOT_FOUND", `${uri} is not an S3 object URI`, {
        hint: "Give it as s3://<bucket>/<prefix>/<backup>.sql (as `slipway db backup` prints it).",
      });
    const local = join(backupsDir, basename(location.key));
    if (existsSync(local)) return local;
    const region = db?.backupS3?.bucket === location.bucket ? db.backupS3.region : undefined;
    return fetchBackupFromS3(location, region, await ensureBackupsDir());
  };

  const ensureBackupsDir = async () => {
    await mkdir(backupsDir, { recursive: true, mode: 0o700 });
    await chmod(backupsDir, 0o700);
    return backupsDir;
  };

  const resolveBackup = async (from: string): Promise<string> => {
    if (from.startsWith("s3://")) return fromS3(from);
    if (from === "latest") {
      const latest = latestBackup(await listBackups(backupsDir));
      if (latest) return join(backupsDir, latest.file);
      // Nothing on this machine (a new one, or a lost disk): the newest copy in S3, when the spec has one.
      const s3 = requireDatabase().backupS3;
      const remote = s3 ? await latestBackupInS3(s3) : undefined;
      if (remote) return fromS3(remote);
      throw new SlipwayError(
        "DB_BACKUP_NOT_FOUND",
        `environment '${model.environment}' has no backup in ${backupsDir}${s3 ? ` or s3://${s3.bucket}/${s3.prefix}/` : ""} yet`,
        { hint: `Take one: slipway db backup -e ${model.environment}.` },
      );
    }
    const inBackups = join(backupsDir, from);
    const file = isAbsolute(from) ? from : existsSync(inBackups) ? inBackups : resolve(from);
    if (!existsSync(file))
      throw new SlipwayError("DB_BACKUP_NOT_FOUND", `no backup file ${from} (looked in ${backupsDir} and the current folder)`, {
        hint: `List the backups: ls ${backupsDir}; or use --from latest.`,
      });
    return file;
  };

  const takeBackup = async (live: BackupServer, kind: "backup" | "pre-restore", keep: number) =>
    backupDatabase({
      server: live,
      database: requireDatabase().name,
      dir: backupsDir,
      app: model.name,
      environment: model.environment,
      revision: await revision(),
      kind,
      keep,
      env: options.env,
    });

  const manifestLines = (manifest: BackupManifest): StyledLine[] =>
    manifest.tables.map((t) => [{ tone: "dim", text: `  ${t.name}: ${t.rows} row${t.rows === 1 ? "" : "s"}` }]);

  return {
    history: () => readDbHistory(historyDir),

    async backup(request): Promise<DbView> {
      const keep = request.keep ?? requireDatabase().backupKeep;
      const live = await server();
      const { file, manifest, removed } = await takeBackup(live, "backup", keep);
      const target = requireDatabase().backupS3;
      let s3: S3Copy | undefined;
      let s3Error: unknown;
      if (target) {
        try {
          s3 = await copyBackupToS3(target, file, manifest.sha256, manifest.bytes);
        } catch (error) {
          s3Error = error;
        }
      }
      await recordDbHistory(historyDir, {
        action: "backup",
        ok: true,
        at: manifest.createdAt,
        file: basename(file),
        bytes: manifest.bytes,
        sha256: manifest.sha256,
        tables: manifest.tables.length,
        ...(s3 ? { s3: s3.uri } : {}),
        ...(s3Error ? { s3Error: options.redactor.text(s3Error instanceof Error ? s3Error.message : String(s3Error)) } : {}),
      });
      // The local backup stands; the command still fails, so a copy that did not happen is not missed.
      if (s3Error) throw s3Error;
      return {
        result: { file, manifest, removed, ...(s3 ? { s3 } : {}) },
        lines: [
          [{ tone: "green", text: "backup" }, ` ${file}`],
          [`  ${manifest.bytes} bytes, sha256 ${manifest.sha256}, ${manifest.tables.length} tables (${manifest.tool})`],
          ...manifestLines(manifest),
          ...(s3 ? [[`  copied to ${s3.uri} (${s3.encryption ?? "encryption not reported"}, SHA-256 checked by S3)`] as StyledLine] : []),
          ...(removed.length > 0 ? [[`  retention (keep ${keep}): removed ${removed.join(", ")}`] as StyledLine] : []),
        ],
      };
    },

    async restore({ from, yes, ...request }): Promise<DbView> {
      const database = requireDatabase();
      const keep = request.keep ?? database.backupKeep;
      const file = await resolveBackup(from);
      const manifest = await verifyBackup(file);
      if (!yes) {
        throw new SlipwayError(
          "DB_RESTORE_NEEDS_YES",
          `restoring ${basename(file)} replaces everything in the live database ${JSON.stringify(database.name)} of '${model.environment}'`,
          {
            hint: `Add --yes to do it (a pre-restore dump is taken first), or try the backup safely with: slipway db drill -e ${model.environment} --from ${from}.`,
          },
        );
      }
      const live = await server();
      const started = Date.now();
      const pre = await takeBackup(live, "pre-restore", keep);
      const ours = new WeakSet<object>();
      const failed = (message: string) => {
        const error = new SlipwayError(
          "DB_RESTORE_FAILED",
          `restore of ${basename(file)} into ${JSON.stringify(database.name)}: ${message}`,
          {
            hint: `The data from before is in ${pre.file}: slipway db restore -e ${model.environment} --from ${pre.file} --yes puts it back.`,
          },
        );
        ours.add(error);
        return error;
      };
      try {
        await recreateDatabase(live, database.name, database.user, backupsDir);
        await loadBackup(live, database.name, file, options.env, failed);
        const mismatches = compareWithManifest(manifest.tables, await countRows(live, database.name, backupsDir));
        if (mismatches.length > 0) throw failed(`row counts differ from the manifest: ${describeMismatches(mismatches)}`);
      } catch (error) {
        await recordDbHistory(historyDir, {
          action: "restore",
          ok: false,
          at: new Date().toISOString(),
          file: basename(file),
          preRestore: basename(pre.file),
          error: options.redactor.text(error instanceof Error ? error.message : String(error)),
        });
        // Whatever failed after the pre-restore dump, the error says where the data from before is.
        throw ours.has(error as object) ? error : failed(options.redactor.text(error instanceof Error ? error.message : String(error)));
      }
      const tookSeconds = seconds(Date.now() - started);
      await recordDbHistory(historyDir, {
        action: "restore",
        ok: true,
        at: new Date().toISOString(),
        file: basename(file),
        preRestore: basename(pre.file),
        seconds: tookSeconds,
      });
      return {
        result: { file, preRestore: pre.file, seconds: tookSeconds, tables: manifest.tables },
        lines: [
          [{ tone: "green", text: "restored" }, ` ${basename(file)} into ${database.name} in ${tookSeconds} s`],
          [`  the data from before is in ${pre.file}`],
          ...manifestLines(manifest),
        ],
      };
    },

    async drill({ from }): Promise<DbView> {
      const database = requireDatabase();
      const file = await resolveBackup(from);
      const at = new Date();
      // The pid in the name lets a later drill find, and drop, a copy a killed drill left behind.
      const scratchPrefix = `${database.name.slice(0, 30)}_drill_`;
      const scratch = `${scratchPrefix}${process.pid}_${randomBytes(4).toString("hex")}`;
      let live: DatabaseServer | undefined;
      const phases: Record<string, number> = {};
      let manifest: BackupManifest | undefined;
      let mismatches: TableCheck[] = [];
      const started = Date.now();
      let mark = started;
      const phase = (name: string) => {
        const now = Date.now();
        phases[name] = seconds(now - mark);
        mark = now;
      };
      const failed = (message: string, hint: string) =>
        new SlipwayError("DB_DRILL_FAILED", `drill of ${basename(file)} on '${model.environment}': ${message}`, { hint });
      const record = async (ok: boolean, extra: Record<string, unknown>) =>
        recordDbHistory(historyDir, {
          action: "drill",
          ok,
          at: at.toISOString(),
          file: basename(file),
          engine: database.engine,
          ...(manifest
            ? { backupCreatedAt: manifest.createdAt, backupAgeSeconds: seconds(at.getTime() - Date.parse(manifest.createdAt)) }
            : {}),
          phases,
          ...extra,
        });
      try {
        manifest = await verifyBackup(file);
        phase("verify");
        live = await server();
        await dropStaleScratch(live, scratchPrefix, database.user, backupsDir, (pid) => isAlive(pid));
        mark = Date.now();
        await recreateDatabase(live, scratch, database.user, backupsDir);
        await loadBackup(live, scratch, file, options.env, (message) =>
          failed(`the backup did not load into a scratch database: ${message}`, "The backup cannot be restored as it is; take a new one."),
        );
        phase("load");
        mismatches = compareWithManifest(manifest.tables, await countRows(live, scratch, backupsDir));
        phase("check");
        if (mismatches.length > 0)
          throw failed(
            `row counts differ from the manifest: ${describeMismatches(mismatches)}`,
            "The restored data is not what was dumped; take a new backup and drill it.",
          );
        const migrate = model.release.migrate;
        if (migrate) await runMigrations(migrate, live, scratch);
        phase("migrate");
        const rtoSeconds = seconds(Date.now() - started);
        const backupAgeSeconds = seconds(at.getTime() - Date.parse(manifest.createdAt));
        await record(true, { rtoSeconds, tables: manifest.tables.length, migrated: migrate !== undefined });
        return {
          result: {
            ok: true,
            file,
            engine: database.engine,
            rtoSeconds,
            rpoSeconds: backupAgeSeconds,
            backupCreatedAt: manifest.createdAt,
            phases,
            tables: manifest.tables,
            migrated: migrate !== undefined,
          },
          lines: [
            [{ tone: "green", text: "drill passed" }, ` ${basename(file)} (${database.engine})`],
            [
              { tone: "bold", text: `  RTO ${rtoSeconds} s` },
              ` (verify ${phases.verify} s, load ${phases.load} s, check ${phases.check} s, migrate ${phases.migrate} s)`,
            ],
            [{ tone: "bold", text: `  RPO ${backupAgeSeconds} s` }, ` (the backup was taken ${manifest.createdAt})`],
            [
              `  ${manifest.tables.length} tables match the manifest's row counts${migrate ? "; the migrations ran on the restored copy" : ""}`,
            ],
          ],
        };
      } catch (error) {
        const message = options.redactor.text(error instanceof Error ? error.message : String(error));
        await record(false, { error: message, ...(mismatches.length > 0 ? { mismatches } : {}) });
        throw error;
      } finally {
        if (live) await dropDatabase(live, scratch, database.user, backupsDir).catch(() => undefined);
      }

      async function runMigrations(command: readonly string[], on: DatabaseServer, name: string): Promise<void> {
        const records = await options.history.list();
        const current = currentRelease(records);
        const cwd = current?.artifact.kind === "local-snapshot" ? current.artifact.path : options.specDir;
        const target = await options.target();
        await target.collectSecrets(model);
        const base = await target.appEnv(model, current?.revision ?? 0, undefined, "migrate");
        const password = base.DB_PASSWORD ?? "";
        const env = withReleasePath(
          {
            ...base,
            DB_NAME: name,
            DATABASE_URL: databaseUrl({ scheme: database.urlScheme, user: database.user, password, host: on.host, port: on.port, name }),
          },
          cwd,
          model,
        );
        const argv = command[0] === "node" ? [process.execPath, ...command.slice(1)] : [...command];
        const result = await runCommand({ command: argv, cwd, env, timeoutMs: 30 * 60_000 });
        if (result.exitCode !== 0) {
          const tail = result.lastLines.slice(-5).map((line) => options.redactor.text(line));
          throw failed(
            `the migrations (\`${command.join(" ")}\`) exited with ${result.exitCode ?? result.signal} on the restored copy${tail.length > 0 ? `: ${tail.join(" | ")}` : ""}`,
            "The current release's migrations do not apply to this backup; fix them before you need the backup.",
          );
        }
      }
    },
  };
}
