/**
 * `slipway db backup|restore|drill` on the local target with the real embedded PostgreSQL and the
 * real MariaDB: backup → drop a table → restore → row counts equal; a drill that reports a measured
 * RTO; a damaged dump refused with DB_BACKUP_CORRUPT; a restore without --yes refused; no password
 * in any output, manifest, history entry or dump.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMariadb } from "../../../src/effects/mariadb-server.js";
import { freePort, pgClientDir, type Run, slipway, workspace } from "./local-harness.js";

/** The pid of a process that has exited. */
function deadPid(): number {
  const pid = spawnSync("true").pid;
  if (!pid) throw new Error("could not start `true`");
  return pid;
}

function mariadbInstalled(): boolean {
  try {
    findMariadb();
    return true;
  } catch {
    return false;
  }
}

const pgBin = pgClientDir();
if (!pgBin)
  console.warn("local-db: pg_dump 18 is not in the test tool cache (bash test/cluster/build.sh pg-client); PostgreSQL cases skip");
if (!mariadbInstalled()) console.warn("local-db: MariaDB is not installed (apt-get install -y mariadb-server); MariaDB cases skip");

/** Every output of the commands run, for the canary scan. */
function collector() {
  const texts: { what: string; text: string }[] = [];
  return {
    texts,
    async run(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
      const result = await slipway(dir, args, env);
      texts.push({ what: `${args.join(" ")} stdout`, text: result.stdout }, { what: `${args.join(" ")} stderr`, text: result.stderr });
      return result;
    },
  };
}

function filesUnder(dir: string): { path: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => ({ path: join(dir, name), text: readFileSync(join(dir, name), "utf8") }));
}

/** Checks what every engine shares: --yes, the drill's RTO, a damaged dump, modes, retention, no secret anywhere. */
async function sharedChecks(
  dir: string,
  out: ReturnType<typeof collector>,
  env: Record<string, string>,
  secrets: () => string[],
): Promise<void> {
  const backups = join(dir, ".slipway/local/backups");
  // While a deploy holds the lock (this test's live process as its holder), the drill and a restore
  // are refused with DEPLOY_LOCKED naming it, and leave the lock as it was.
  const lockFile = join(dir, ".slipway/local/lock.json");
  const now = new Date().toISOString();
  const holder = `${JSON.stringify({ pid: process.pid, host: hostname(), user: "test", command: "slipway deploy -e local (the test's holder)", acquiredAt: now, heartbeatAt: now })}\n`;
  writeFileSync(lockFile, holder);
  for (const args of [
    ["db", "drill", "-e", "local", "--json"],
    ["db", "restore", "-e", "local", "--from", "latest", "--yes", "--json"],
  ]) {
    const refused = await out.run(dir, args, env);
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("DEPLOY_LOCKED");
    expect(refused.stdout + refused.stderr).toContain("the test's holder");
  }
  expect(readFileSync(lockFile, "utf8")).toBe(holder);
  rmSync(lockFile);
  // The drill: a measured RTO and the backup's age, in --json and in the human view.
  const drill = await out.run(dir, ["db", "drill", "-e", "local", "--json"], env);
  expect(drill.code, drill.stdout + drill.stderr).toBe(0);
  const result = (drill.final?.result ?? {}) as {
    rtoSeconds: number;
    rpoSeconds: number;
    migrated: boolean;
    phases: Record<string, number>;
  };
  expect(typeof result.rtoSeconds).toBe("number");
  expect(result.rtoSeconds).toBeGreaterThanOrEqual(0);
  expect(result.rpoSeconds).toBeGreaterThanOrEqual(0);
  expect(result.migrated).toBe(true);
  const human = await out.run(dir, ["db", "drill", "-e", "local"], env);
  expect(human.code, human.stderr).toBe(0);
  expect(human.stdout).toMatch(/drill passed/);
  expect(human.stdout).toMatch(/RTO \d+(\.\d)? s/);
  expect(human.stdout).toMatch(/RPO \d+(\.\d)? s/);
  const history = filesUnder(join(dir, ".slipway/local/db-history")).map((f) => JSON.parse(f.text) as Record<string, unknown>);
  const drills = history.filter((h) => h.action === "drill");
  expect(drills.length).toBeGreaterThanOrEqual(2);
  expect(drills.every((d) => d.ok === true && typeof d.rtoSeconds === "number")).toBe(true);

  // A damaged copy of the latest backup (its manifest beside it): truncated, then same size but one byte changed.
  const latest = readdirSync(backups)
    .filter((n) => /^\d{8}T\d{9}Z-r\d+\.sql$/.test(n))
    .sort()
    .at(-1) as string;
  const damaged = (name: string, change: (bytes: Buffer) => Buffer) => {
    writeFileSync(join(backups, name), change(readFileSync(join(backups, latest))));
    copyFileSync(join(backups, latest.replace(/\.sql$/, ".manifest.json")), join(backups, name.replace(/\.sql$/, ".manifest.json")));
  };
  damaged("20000101T000000000Z-r1.sql", (b) => b.subarray(0, b.length - 40));
  const truncated = await out.run(dir, ["db", "drill", "-e", "local", "--from", "20000101T000000000Z-r1.sql", "--json"], env);
  expect(truncated.code).toBe(1);
  expect(truncated.final?.error?.code).toBe("DB_BACKUP_CORRUPT");
  expect(String(truncated.final?.error?.message)).toMatch(/truncated/);
  // A restore of it, even with --yes, is refused before anything happens (not even a pre-restore dump).
  const preRestores = () => readdirSync(backups).filter((n) => n.endsWith("-pre-restore.sql")).length;
  const before = preRestores();
  const refused = await out.run(dir, ["db", "restore", "-e", "local", "--from", "20000101T000000000Z-r1.sql", "--yes", "--json"], env);
  expect(refused.code).toBe(1);
  expect(refused.final?.error?.code).toBe("DB_BACKUP_CORRUPT");
  expect(preRestores()).toBe(before);
  damaged("20000101T000000001Z-r1.sql", (b) => {
    const copy = Buffer.from(b);
    copy[Math.floor(copy.length / 2)] = (copy[Math.floor(copy.length / 2)] ?? 0) ^ 0x01;
    return copy;
  });
  const flipped = await out.run(dir, ["db", "drill", "-e", "local", "--from", "20000101T000000001Z-r1.sql"], env);
  expect(flipped.code).toBe(1);
  expect(flipped.stderr).toMatch(/DB_BACKUP_CORRUPT/);
  expect(flipped.stderr).toMatch(/SHA-256/);
  expect(flipped.stderr).not.toMatch(/at .*\.js:\d+/);
  const failedDrills = filesUnder(join(dir, ".slipway/local/db-history"))
    .map((f) => JSON.parse(f.text) as Record<string, unknown>)
    .filter((h) => h.action === "drill" && h.ok === false);
  expect(failedDrills.length).toBe(2);

  // The go-live gate and the runbook read the drills just recorded (a failed drill does not hide a passed one).
  const golive = await out.run(dir, ["golive", "-e", "local", "--json"], env);
  expect(golive.code, golive.stdout + golive.stderr).toBe(0);
  expect(golive.final?.result).toMatchObject({ ok: true, environment: "local" });
  const runbook = await out.run(dir, ["runbook", "-e", "local"], env);
  expect(runbook.code, runbook.stderr).toBe(0);
  expect(runbook.stdout).toMatch(/Last successful drill: \S+ of `\d{8}T\d{9}Z-r\d+\.sql`, RTO \d+(\.\d+)? s/);
  rmSync(join(backups, "20000101T000000000Z-r1.sql"));
  rmSync(join(backups, "20000101T000000001Z-r1.sql"));

  // Modes: the folder 0700, every file 0600.
  expect(statSync(backups).mode & 0o777).toBe(0o700);
  for (const name of readdirSync(backups)) expect(statSync(join(backups, name)).mode & 0o777, name).toBe(0o600);

  // Retention: --keep 2 leaves the two newest regular backups.
  for (let i = 0; i < 3; i++) expect((await out.run(dir, ["db", "backup", "-e", "local", "--keep", "2", "--json"], env)).code).toBe(0);
  expect(readdirSync(backups).filter((n) => /^\d{8}T\d{9}Z-r\d+\.sql$/.test(n))).toHaveLength(2);
  // The spec's database.backups.keep when --keep is not given; a file named like a backup but without
  // its manifest is not slipway's and stays.
  writeFileSync(join(backups, "19990101T000000000Z-r1.sql"), "-- a dump someone put here\n", { mode: 0o600 });
  const spec = join(dir, "slipway.yaml");
  writeFileSync(spec, readFileSync(spec, "utf8").replace("\ndatabase:\n", "\ndatabase:\n  backups: { keep: 1 }\n"));
  const kept = await out.run(dir, ["db", "backup", "-e", "local", "--json"], env);
  expect(kept.code, kept.stdout + kept.stderr).toBe(0);
  const keptResult = (kept.final?.result ?? {}) as { file?: string; removed?: string[] };
  const written = String(keptResult.file);
  expect(readdirSync(backups).filter((n) => /^\d{8}T\d{9}Z-r\d+\.sql$/.test(n))).toEqual([
    "19990101T000000000Z-r1.sql",
    written.slice(written.lastIndexOf("/") + 1),
  ]);
  expect(keptResult.removed).toHaveLength(2);
  rmSync(join(backups, "19990101T000000000Z-r1.sql"));

  // No password in any output, manifest, history entry or dump.
  const files = [...filesUnder(backups), ...filesUnder(join(dir, ".slipway/local/db-history"))];
  for (const secret of secrets()) {
    expect(secret.length).toBeGreaterThan(8);
    for (const { what, text } of out.texts) expect(text.includes(secret), `${what} contains a password`).toBe(false);
    for (const { path, text } of files) expect(text.includes(secret), `${path} contains a password`).toBe(false);
  }
  // The option files with the admin's password exist only while a tool runs.
  expect(readdirSync(backups).filter((n) => n.endsWith(".cnf") || n.endsWith(".partial"))).toEqual([]);
}

describe("slipway db where there is nothing to back up", () => {
  it("refuses an environment on Kubernetes and a spec without a database, with codes and hints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-db-none-"));
    try {
      writeFileSync(
        join(dir, "slipway.yaml"),
        `name: plain
app:
  image: example.com/plain:1.0.0
  port: 3000
  command: [node, server.js]
  health: { readiness: /ready }
environments:
  local: { target: local }
  staging: { target: kubernetes, secretSource: { kubernetes-secret: plain } }
targets:
  local: { type: local, port: ${await freePort()} }
`,
      );
      const kube = await slipway(dir, ["db", "backup", "-e", "staging", "--json"]);
      expect(kube.code).toBe(2);
      expect(kube.final?.error?.code).toBe("DEPLOY_TARGET_UNSUPPORTED");
      const none = await slipway(dir, ["db", "drill", "-e", "local"]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/DB_NO_DATABASE/);
      expect(none.stderr).toMatch(/hint: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!pgBin)("slipway db on the local target with PostgreSQL", () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  const out = collector();
  const env = { SLIPWAY_PG_BINDIR: pgBin ?? "" };
  const secrets = () => [
    readFileSync(join(ws.dir, ".slipway/local/postgres/admin.secret"), "utf8").trim(),
    readFileSync(join(ws.dir, ".slipway/local/database.secret"), "utf8").trim(),
  ];
  const sql = async <T extends Record<string, unknown>>(query: string): Promise<T[]> => {
    const client = new Client({
      host: "127.0.0.1",
      port: Number(readFileSync(join(ws.dir, ".slipway/local/postgres/port"), "utf8").trim()),
      user: "slipway_admin",
      password: secrets()[0],
      database: "node_postgres",
    });
    await client.connect();
    try {
      return (await client.query<T>(query)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    ws = await workspace("db-pg");
    const deployed = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(deployed.code, deployed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => ws?.cleanup(), 120_000);

  it("backs up, refuses a restore without --yes, restores a dropped table with equal row counts", async () => {
    await sql("INSERT INTO visits (path) VALUES ('/a'), ('/it''s (x),(y)'), (E'/two\\nlines'), ('/d')");
    const before = Number((await sql<{ n: string }>("SELECT count(*) AS n FROM visits"))[0]?.n);
    expect(before).toBeGreaterThanOrEqual(4);

    const backup = await out.run(ws.dir, ["db", "backup", "-e", "local", "--json"], env);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const manifest = (
      (backup.final?.result ?? {}) as { manifest: { tables: { name: string; rows: number }[]; sha256: string; revision: number } }
    ).manifest;
    expect(manifest.tables).toContainEqual({ name: "public.visits", rows: before });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.revision).toBe(1);

    const refused = await out.run(ws.dir, ["db", "restore", "-e", "local", "--from", "latest"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/DB_RESTORE_NEEDS_YES/);
    expect(refused.stderr).toMatch(/--yes/);

    await sql("DROP TABLE visits");
    const restored = await out.run(ws.dir, ["db", "restore", "-e", "local", "--from", "latest", "--yes", "--json"], env);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(Number((await sql<{ n: string }>("SELECT count(*) AS n FROM visits"))[0]?.n)).toBe(before);
    // The app's user still owns its table and the app still answers from the database.
    expect((await sql<{ tableowner: string }>("SELECT tableowner FROM pg_tables WHERE tablename = 'visits'"))[0]?.tableowner).toBe(
      "node_postgres_app",
    );
    expect(existsSync(String(((restored.final?.result ?? {}) as { preRestore: string }).preRestore))).toBe(true);
    const ready = await fetch(`${ws.url}ready`);
    expect(ready.status).toBe(200);
  }, 240_000);

  it("drills with a measured RTO, refuses damaged dumps, keeps modes and retention, leaks no password", async () => {
    // What a killed drill would leave: a scratch copy named after a process that is gone.
    await sql(`CREATE DATABASE node_postgres_drill_${deadPid()}_0badc0de`);
    await sharedChecks(ws.dir, out, env, secrets);
    // The scratch databases are gone.
    const scratch = await sql<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE '%_drill_%'");
    expect(scratch).toEqual([]);
  }, 240_000);
});

const mysqlApp = {
  "slipway.yaml": (port: number) => `name: shop
app:
  image: example.com/shop:1.0.0
  port: 3000
  command: [node, server.js]
  health: { readiness: /ready }
  release:
    migrate: [node, migrate.js]
database:
  engine: mysql
  version: "10.11"
environments:
  local:
    target: local
targets:
  local:
    type: local
    port: ${port}
`,
  "server.js": `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);\n`,
  // The app's migration, with the mariadb client; its password goes in MYSQL_PWD, not on the command line.
  "migrate.js": `const { execFileSync } = require("node:child_process");
const sql = \`CREATE TABLE IF NOT EXISTS items (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL, data BLOB) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS orders (id INT AUTO_INCREMENT PRIMARY KEY, item_id INT NOT NULL) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS empty_one (id INT PRIMARY KEY) ENGINE=InnoDB;\`;
execFileSync("mariadb", ["--no-defaults", "--protocol=tcp", "--host=" + process.env.DB_HOST, "--port=" + process.env.DB_PORT, "--user=" + process.env.DB_USER, process.env.DB_NAME], {
  input: sql,
  env: { ...process.env, MYSQL_PWD: process.env.DB_PASSWORD },
  stdio: ["pipe", "inherit", "inherit"],
});
`,
};

describe.skipIf(!mariadbInstalled())("slipway db on the local target with MariaDB", () => {
  let dir: string;
  const out = collector();
  const secrets = () => [
    readFileSync(join(dir, ".slipway/local/mariadb/admin.secret"), "utf8").trim(),
    readFileSync(join(dir, ".slipway/local/database.secret"), "utf8").trim(),
  ];
  const sql = (query: string): string[] => {
    const option = join(dir, ".slipway/local/test-client.cnf");
    const port = readFileSync(join(dir, ".slipway/local/mariadb/port"), "utf8").trim();
    writeFileSync(option, `[client]\nprotocol=tcp\nhost=127.0.0.1\nport=${port}\nuser=slipway_admin\npassword=${secrets()[0]}\n`, {
      mode: 0o600,
    });
    try {
      const result = spawnSync("mariadb", [`--defaults-file=${option}`, "--batch", "--skip-column-names", "shop"], {
        input: query,
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(result.stderr);
      return result.stdout.split("\n").filter(Boolean);
    } finally {
      rmSync(option, { force: true });
    }
  };

  /** A client that reads `orders` in an open transaction, then sleeps. */
  const holdTransaction = (): ChildProcess => {
    const option = join(dir, ".slipway/local/holder.cnf");
    const port = readFileSync(join(dir, ".slipway/local/mariadb/port"), "utf8").trim();
    writeFileSync(option, `[client]\nprotocol=tcp\nhost=127.0.0.1\nport=${port}\nuser=slipway_admin\npassword=${secrets()[0]}\n`, {
      mode: 0o600,
    });
    const child = spawn("mariadb", [`--defaults-file=${option}`, "shop"], { stdio: ["pipe", "ignore", "ignore"] });
    child.on("spawn", () => setTimeout(() => rmSync(option, { force: true }), 2_000));
    child.stdin?.end("START TRANSACTION; SELECT COUNT(*) FROM orders; SELECT SLEEP(600);\n");
    return child;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "slipway-db-mysql-"));
    chmodSync(dir, 0o755);
    const port = await freePort();
    writeFileSync(join(dir, "slipway.yaml"), mysqlApp["slipway.yaml"](port));
    writeFileSync(join(dir, "server.js"), mysqlApp["server.js"]);
    writeFileSync(join(dir, "migrate.js"), mysqlApp["migrate.js"]);
    const deployed = await slipway(dir, ["deploy", "-e", "local", "--json"]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    if (!dir) return;
    await slipway(dir, ["down", "-e", "local", "--json"]);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("backs up, refuses a restore without --yes, restores a dropped table with equal row counts", async () => {
    sql(
      "INSERT INTO items (name, data) VALUES ('a', NULL), ('it''s (x),(y)', 0x00ff), ('two\\nlines\\\\', NULL); INSERT INTO orders (item_id) VALUES (1), (2);",
    );
    const backup = await out.run(dir, ["db", "backup", "-e", "local", "--json"]);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const manifest = ((backup.final?.result ?? {}) as { manifest: { tables: { name: string; rows: number }[] } }).manifest;
    expect(manifest.tables).toEqual([
      { name: "empty_one", rows: 0 },
      { name: "items", rows: 3 },
      { name: "orders", rows: 2 },
    ]);

    const refused = await out.run(dir, ["db", "restore", "-e", "local", "--from", "latest", "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.final?.error?.code).toBe("DB_RESTORE_NEEDS_YES");
    expect(sql("SELECT COUNT(*) FROM items")).toEqual(["3"]);

    sql("DROP TABLE items");
    // An app connection inside a transaction holds a metadata lock DROP DATABASE would wait for
    // (far beyond this test's timeout): the restore closes the database's connections first.
    const holder = holdTransaction();
    for (
      let i = 0;
      i < 300 && sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(600)%'")[0] !== "1";
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    let restored: Run;
    try {
      restored = await out.run(dir, ["db", "restore", "-e", "local", "--from", "latest", "--yes"]);
    } finally {
      holder.kill();
    }
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(sql("SELECT COUNT(*) FROM items")).toEqual(["3"]);
    expect(sql("SELECT HEX(data) FROM items WHERE id = 2")).toEqual(["00FF"]);
    expect(sql("SELECT COUNT(*) FROM orders")).toEqual(["2"]);
  }, 240_000);

  it("drills with a measured RTO, refuses damaged dumps, keeps modes and retention, leaks no password", async () => {
    sql(`CREATE DATABASE shop_drill_${deadPid()}_0badc0de`);
    await sharedChecks(dir, out, {}, secrets);
    expect(sql("SHOW DATABASES LIKE '%drill%'")).toEqual([]);
  }, 240_000);
});
