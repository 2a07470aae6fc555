/**
 * The embedded PostgreSQL of the local target, for real: started detached it outlives the process
 * that started it, a second start reuses it, and the app user it sets up has least privilege.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rememberedDatabasePort } from "../../../src/effects/database-files.js";
import type { DatabaseServer } from "../../../src/effects/database-server.js";
import { startPostgres, stopPostgres } from "../../../src/effects/postgres-server.js";
import { freePort, isAlive, runCommand } from "../../../src/effects/processes.js";
import { bundleScript, Cleanups, childEnv, tempDir } from "./helpers.js";

const cleanups = new Cleanups();
let stateDir = "";
let port = 0;
let startDatabase = "";

/** The postmaster's pid, from its pid file. */
async function postmasterPid(): Promise<number> {
  return Number((await readFile(join(stateDir, "data", "postmaster.pid"), "utf8")).split("\n")[0]);
}

async function connect(user: string, password: string, database: string): Promise<Client> {
  const client = new Client({ host: "127.0.0.1", port, user, password, database, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  await client.connect();
  cleanups.add(() => client.end().catch(() => {}));
  return client;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: error instanceof Error ? error.message : String(error) };
  }
  throw new Error("expected a failure");
}

beforeAll(async () => {
  const base = await tempDir(cleanups, "postgres");
  stateDir = join(base, ".slipway", "local", "postgres");
  port = await freePort();
  startDatabase = await bundleScript(cleanups, "test/integration/local/fixtures/start-database.ts");
  // Registered after the folder's removal, so it runs before it.
  cleanups.add(() => stopPostgres(stateDir));
}, 60_000);

afterAll(async () => {
  await cleanups.run();
}, 120_000);

describe("startPostgres", () => {
  let server: DatabaseServer;
  let firstPid = 0;

  it("starts detached from a process that then exits, and the server keeps running", async () => {
    const started = await runCommand({
      command: [process.execPath, startDatabase, "postgres", stateDir, String(port)],
      cwd: "/",
      env: childEnv(),
      timeoutMs: 180_000,
    });
    expect(started.lastLines.join("\n")).toMatch(/"engine":"postgres"/);
    expect(started.exitCode).toBe(0);
    expect(JSON.parse(started.lastLines.at(-1) ?? "{}")).toMatchObject({
      engine: "postgres",
      host: "127.0.0.1",
      port,
      version: expect.stringMatching(/^\d+\.\d+/),
    });

    // The process that started it is gone; the server answers.
    firstPid = await postmasterPid();
    expect(isAlive(firstPid)).toBe(true);
    const password = (await readFile(join(stateDir, "admin.secret"), "utf8")).trim();
    const admin = await connect("slipway_admin", password, "postgres");
    expect((await admin.query("SELECT current_user AS who")).rows).toEqual([{ who: "slipway_admin" }]);
    await admin.end();
  });

  it("is reused by the next start, on the port it runs on", async () => {
    server = await startPostgres({ stateDir, port: port + 1 });
    expect(server.port).toBe(port);
    expect(await postmasterPid()).toBe(firstPid);
    expect(await server.ping()).toBe(true);
    expect(await rememberedDatabasePort(stateDir)).toBe(port);
    expect(server.admin.user).toBe("slipway_admin");
  });

  it("keeps the admin secret private and out of every log, and removes initdb's password file", async () => {
    const secret = join(stateDir, "admin.secret");
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    expect(existsSync(join(stateDir, "initdb.pwfile"))).toBe(false);
    const password = server.admin.password;
    expect(password.length).toBeGreaterThanOrEqual(32);
    for (const file of await readdir(stateDir)) {
      if (!file.endsWith(".log")) continue;
      expect(await readFile(join(stateDir, file), "utf8")).not.toContain(password);
    }
  });

  it("creates the database and the app user once; a second run changes nothing but the password", async () => {
    expect(await server.ensureDatabase({ database: "shop", user: "shop_app", password: "first-password" })).toEqual({
      createdDatabase: true,
      createdUser: true,
    });
    expect(await server.ensureDatabase({ database: "shop", user: "shop_app", password: "second pass'word\\" })).toEqual({
      createdDatabase: false,
      createdUser: false,
    });
    const app = await connect("shop_app", "second pass'word\\", "shop");
    expect((await app.query("SELECT current_user AS who")).rows).toEqual([{ who: "shop_app" }]);
    await app.end();
    expect((await failure(connect("shop_app", "first-password", "shop"))).code).toBe("28P01");
  });

  it("gives the app user its own database to migrate, and nothing else", async () => {
    await server.ensureDatabase({ database: "other", user: "other_app", password: "other-password" });
    const app = await connect("shop_app", "second pass'word\\", "shop");

    // It runs the migrations: it creates and owns tables in its database.
    await app.query("CREATE TABLE visits (id serial PRIMARY KEY, at timestamptz DEFAULT now())");
    await app.query("INSERT INTO visits DEFAULT VALUES");
    expect((await app.query("SELECT count(*)::int AS n FROM visits")).rows).toEqual([{ n: 1 }]);

    // It cannot create databases or roles, or become anyone else.
    expect((await failure(app.query("CREATE DATABASE mine"))).code).toBe("42501");
    expect((await failure(app.query("CREATE ROLE mine"))).code).toBe("42501");
    expect((await failure(app.query("SET ROLE slipway_admin"))).code).toBe("42501");
    const attributes = await app.query(
      "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    );
    expect(attributes.rows).toEqual([
      { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
    ]);
    await app.end();

    // It cannot connect to another app's database, nor to the maintenance databases.
    for (const database of ["other", "postgres", "template1"]) {
      const denied = await failure(connect("shop_app", "second pass'word\\", database));
      expect(denied.code).toBe("42501");
      expect(denied.message).toContain(`permission denied for database "${database}"`);
    }
    // And the other app cannot reach this one.
    expect((await failure(connect("other_app", "other-password", "shop"))).code).toBe("42501");
  });

  it("quotes names: odd but valid names work, reserved ones are refused", async () => {
    expect(await server.ensureDatabase({ database: 'we"ird db', user: "we'ird user", password: "pw" })).toEqual({
      createdDatabase: true,
      createdUser: true,
    });
    const app = await connect("we'ird user", "pw", 'we"ird db');
    await app.end();
    await expect(server.ensureDatabase({ database: "postgres", user: "x", password: "pw" })).rejects.toMatchObject({
      code: "LOCAL_DATABASE_SETUP_FAILED",
    });
    await expect(server.ensureDatabase({ database: "x", user: "pg_monitor", password: "pw" })).rejects.toMatchObject({
      code: "LOCAL_DATABASE_SETUP_FAILED",
    });
  });

  it("fails with LOCAL_PORT_IN_USE when another program holds the port", async () => {
    const blocker = createServer();
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, "127.0.0.1", resolve));
    cleanups.add(() => new Promise((resolve) => blocker.close(resolve)));
    const otherDir = join(await tempDir(cleanups, "postgres-port"), "postgres");
    cleanups.add(() => stopPostgres(otherDir));
    const error = await startPostgres({ stateDir: otherDir, port: taken }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LOCAL_PORT_IN_USE" });
    expect((error as Error).message).toContain(`port ${taken}`);
  });

  it("stops, and starts again with the data kept", async () => {
    expect(await stopPostgres(stateDir)).toBe(true);
    expect(isAlive(firstPid)).toBe(false);
    expect(await stopPostgres(stateDir)).toBe(false);
    const again = await startPostgres({ stateDir, port });
    expect(await postmasterPid()).not.toBe(firstPid);
    expect(await again.ensureDatabase({ database: "shop", user: "shop_app", password: "third" })).toEqual({
      createdDatabase: false,
      createdUser: false,
    });
    const app = await connect("shop_app", "third", "shop");
    expect((await app.query("SELECT count(*)::int AS n FROM visits")).rows).toEqual([{ n: 1 }]);
    await app.end();
  });
});
