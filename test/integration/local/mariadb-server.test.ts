/**
 * MySQL apps on the local target run on MariaDB from the system's packages. Without it slipway names
 * the install command; with it (apt-get install -y mariadb-server), the server runs detached, outlives
 * the process that started it, and the app user gets ALL on its own database only.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseServer } from "../../../src/effects/database-server.js";
import { mariadbInstallCommand } from "../../../src/effects/mariadb-commands.js";
import { findMariadb, startMariadb, stopMariadb } from "../../../src/effects/mariadb-server.js";
import { freePort, isAlive, readPidFile, runCommand } from "../../../src/effects/processes.js";
import { SlipwayError } from "../../../src/errors/slipway-error.js";
import { bundleScript, Cleanups, childEnv, tempDir } from "./helpers.js";

const cleanups = new Cleanups();

afterAll(async () => {
  await cleanups.run();
}, 120_000);

function installed(): boolean {
  try {
    findMariadb();
    return true;
  } catch {
    return false;
  }
}

describe("without MariaDB", () => {
  it("fails with LOCAL_MARIADB_MISSING and the command that installs it", async () => {
    const empty = await tempDir(cleanups, "no-mariadb");
    const error = (() => {
      try {
        findMariadb([empty]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: "LOCAL_MARIADB_MISSING" });
    expect((error as SlipwayError).hint).toContain(mariadbInstallCommand);
    expect((error as SlipwayError).message).toContain("no mariadbd, mariadb-install-db, mariadb (client)");
  });
});

describe.skipIf(!installed())("startMariadb (MariaDB installed)", () => {
  let stateDir = "";
  let port = 0;
  let startDatabase = "";
  let server: DatabaseServer;
  let firstPid = 0;

  /** Runs SQL with the mariadb client as `user` over TCP; returns the exit code and output lines. */
  async function sql(
    user: string,
    password: string,
    statement: string,
    database?: string,
  ): Promise<{ exitCode: number | null; lines: string[] }> {
    const client = findMariadb().client;
    const result = await runCommand({
      command: [
        client,
        "--no-defaults",
        "--protocol=tcp",
        "-h",
        "127.0.0.1",
        "-P",
        String(port),
        "-u",
        user,
        "--batch",
        "--skip-column-names",
        ...(database ? [database] : []),
      ],
      cwd: "/",
      env: childEnv({ MYSQL_PWD: password }),
      input: `${statement}\n`,
      timeoutMs: 30_000,
    });
    return { exitCode: result.exitCode, lines: result.lastLines };
  }

  beforeAll(async () => {
    const base = await tempDir(cleanups, "mariadb");
    stateDir = join(base, ".slipway", "local", "mariadb");
    port = await freePort();
    startDatabase = await bundleScript(cleanups, "test/integration/local/fixtures/start-database.ts");
    cleanups.add(() => stopMariadb(stateDir));
  }, 60_000);

  it("starts detached from a process that then exits, and the server keeps running", async () => {
    const started = await runCommand({
      command: [process.execPath, startDatabase, "mysql", stateDir, String(port)],
      cwd: "/",
      env: childEnv(),
      timeoutMs: 180_000,
    });
    expect(started.lastLines.join("\n")).toMatch(/"engine":"mysql"/);
    expect(started.exitCode).toBe(0);
    firstPid = (await readPidFile(join(stateDir, "server.pid")))?.pid ?? 0;
    expect(isAlive(firstPid)).toBe(true);
    const password = (await readFile(join(stateDir, "admin.secret"), "utf8")).trim();
    expect(await sql("slipway_admin", password, "SELECT CURRENT_USER();")).toEqual({ exitCode: 0, lines: ["slipway_admin@127.0.0.1"] });
  });

  it("is reused by the next start", async () => {
    server = await startMariadb({ stateDir, port: port + 1 });
    expect(server.port).toBe(port);
    expect(server.version).toMatch(/MariaDB/);
    expect((await readPidFile(join(stateDir, "server.pid")))?.pid).toBe(firstPid);
    expect(await server.ping()).toBe(true);
  });

  it("keeps the admin secret private and out of the logs", async () => {
    expect((await stat(join(stateDir, "admin.secret"))).mode & 0o777).toBe(0o600);
    for (const file of await readdir(stateDir)) {
      if (file.endsWith(".log")) expect(await readFile(join(stateDir, file), "utf8")).not.toContain(server.admin.password);
      expect(file).not.toMatch(/\.cnf$/);
    }
  });

  it("creates the database and the app user once; a second run changes nothing but the password", async () => {
    expect(await server.ensureDatabase({ database: "shop_db", user: "shop", password: "first" })).toEqual({
      createdDatabase: true,
      createdUser: true,
    });
    expect(await server.ensureDatabase({ database: "shop_db", user: "shop", password: "second pass'word\\" })).toEqual({
      createdDatabase: false,
      createdUser: false,
    });
    expect((await sql("shop", "second pass'word\\", "SELECT CURRENT_USER();")).lines).toEqual(["shop@127.0.0.1"]);
    expect((await sql("shop", "first", "SELECT 1;")).exitCode).not.toBe(0);
  });

  it("gives the app user ALL on its own database and nothing else", async () => {
    await server.ensureDatabase({ database: "other_db", user: "other", password: "other-pw" });
    const pw = "second pass'word\\";
    expect(
      (
        await sql(
          "shop",
          pw,
          "CREATE TABLE visits (id INT PRIMARY KEY); INSERT INTO visits VALUES (1); SELECT COUNT(*) FROM visits;",
          "shop_db",
        )
      ).lines,
    ).toEqual(["1"]);
    const denied = [
      await sql("shop", pw, "CREATE DATABASE mine;"),
      await sql("shop", pw, "SELECT 1;", "other_db"),
      await sql("shop", pw, "SELECT COUNT(*) FROM mysql.user;"),
      await sql("shop", pw, "CREATE USER 'x'@'127.0.0.1';"),
      // `_` is a wildcard in GRANT: shop_db must not also grant shopXdb.
      await sql("slipway_admin", server.admin.password, "CREATE DATABASE shopXdb;").then(() =>
        sql("shop", pw, "CREATE TABLE t (x INT);", "shopXdb"),
      ),
    ];
    for (const result of denied) {
      expect(result.exitCode).not.toBe(0);
      expect(result.lines.join("\n")).toMatch(/Access denied|command denied/);
    }
  });

  it("stops, and starts again with the data kept", async () => {
    expect(await stopMariadb(stateDir)).toBe(true);
    expect(isAlive(firstPid)).toBe(false);
    expect(await stopMariadb(stateDir)).toBe(false);
    const again = await startMariadb({ stateDir, port });
    expect(await again.ensureDatabase({ database: "shop_db", user: "shop", password: "third" })).toEqual({
      createdDatabase: false,
      createdUser: false,
    });
    expect((await sql("shop", "third", "SELECT COUNT(*) FROM visits;", "shop_db")).lines).toEqual(["1"]);
  });
});
