import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import {
  adminSecret,
  logTail,
  ownedDir,
  prepareStateDir,
  readServerState,
  redactLine,
  socketPath,
  withLogLines,
  writeServerState,
} from "./database-files.js";
import type { DatabaseServer, DatabaseServerOptions } from "./database-server.js";
import {
  adminAccountSql,
  clientOptionFile,
  ensureDatabaseSql,
  installDbCommand,
  invalidMariadbName,
  type MariadbBinaries,
  mariadbAdminUser,
  mariadbdCommand,
  mariadbInstallCommand,
  nativePasswordHash,
  socketClientCommand,
  tcpClientCommand,
} from "./mariadb-commands.js";
import {
  isAlive,
  isPortOpen,
  type RunCommandResult,
  readPidFile,
  runCommand,
  spawnDetached,
  stopProcess,
  waitForPort,
} from "./processes.js";
import { writeFileAtomic } from "./state-files.js";
import { runningAsRoot, type SystemUser, serverUser } from "./system-users.js";

const host = "127.0.0.1";

interface MariadbLayout {
  stateDir: string;
  dataDir: string;
  partialDir: string;
  logFile: string;
  installLog: string;
  pidFile: string;
}

function mariadbLayout(stateDir: string): MariadbLayout {
  const dir = resolve(stateDir);
  return {
    stateDir: dir,
    dataDir: join(dir, "data"),
    partialDir: join(dir, "data.partial"),
    logFile: join(dir, "mariadb.log"),
    installLog: join(dir, "install.log"),
    pidFile: join(dir, "server.pid"),
  };
}

/** Where MariaDB's programs are looked for besides PATH: Debian puts the server in /usr/sbin. */
export function mariadbSearchDirs(path: string | undefined = process.env.PATH): string[] {
  const dirs = (path ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const dir of ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"]) if (!dirs.includes(dir)) dirs.push(dir);
  return dirs;
}

/**
 * mariadbd (or mysqld), mariadb-install-db (or mysql_install_db) and the mariadb (or mysql) client.
 * Throws LOCAL_MARIADB_MISSING, with the command that installs them, when any is missing.
 */
export function findMariadb(searchDirs: readonly string[] = mariadbSearchDirs()): MariadbBinaries {
  const find = (names: readonly string[]): string | undefined => {
    for (const dir of searchDirs) {
      for (const name of names) {
        const candidate = join(dir, name);
        try {
          accessSync(candidate, constants.X_OK);
          return candidate;
        } catch {
          // Not here.
        }
      }
    }
    return undefined;
  };
  const server = find(["mariadbd", "mysqld"]);
  const installDb = find(["mariadb-install-db", "mysql_install_db"]);
  const client = find(["mariadb", "mysql"]);
  if (server === undefined || installDb === undefined || client === undefined) {
    const missing = [
      server ? undefined : "mariadbd",
      installDb ? undefined : "mariadb-install-db",
      client ? undefined : "mariadb (client)",
    ].filter((name): name is string => name !== undefined);
    const install = runningAsRoot() ? mariadbInstallCommand : "sudo apt-get update && sudo apt-get install -y mariadb-server";
    throw new SlipwayError(
      "LOCAL_MARIADB_MISSING",
      `the local target runs MySQL apps on MariaDB, which is not installed (no ${missing.join(", ")} on PATH or in /usr/sbin)`,
      { hint: `Install it: ${install} (Debian/Ubuntu; other systems: their mariadb-server package).` },
    );
  }
  return { server, installDb, client };
}

function toolEnv(): Record<string, string> {
  return { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", LANG: "C" };
}

function runAs(user: SystemUser): { runAs?: { uid: number; gid: number } } {
  return user.switchTo ? { runAs: { uid: user.uid, gid: user.gid } } : {};
}

/**
 * Starts the project's own MariaDB server (a private data folder under `stateDir`, 127.0.0.1:port,
 * its own socket), or reuses it when it already runs. It runs detached in its own session (as the
 * `mysql` system user when slipway is root), so it outlives slipway. The admin account
 * `slipway_admin`@127.0.0.1 gets a random password kept in `<stateDir>/admin.secret` (0600).
 */
export async function startMariadb(options: DatabaseServerOptions): Promise<DatabaseServer> {
  const layout = mariadbLayout(options.stateDir);
  const bin = findMariadb();
  const user = await serverUser("mysql");
  await prepareStateDir(layout.stateDir, user, "MariaDB");
  const password = (await adminSecret(layout.stateDir, true)) as string;
  if (!existsSync(join(layout.dataDir, "mysql"))) await initialise(bin, layout, user, password);

  const running = await readPidFile(layout.pidFile);
  let port = options.port;
  if (running && isAlive(running.pid, running.startTime)) {
    port = (await readServerState(layout.stateDir))?.port ?? options.port;
  } else {
    await startServer(bin, layout, user, port, password);
  }
  const server = mariadbServer(bin, layout, port, password);
  let version = await server.version();
  if (version === undefined) {
    // First start, or a start that was interrupted before the admin account existed: create it over
    // the socket (which may appear a moment after the TCP port).
    const socket = socketPath(layout.stateDir, "mysqld.sock");
    const deadline = Date.now() + 60_000;
    let result: RunCommandResult | undefined;
    while (version === undefined && Date.now() < deadline) {
      result = await runCommand({
        command: socketClientCommand(bin, socket, user.name),
        cwd: "/",
        env: toolEnv(),
        input: adminAccountSql(password),
        timeoutMs: 30_000,
        ...runAs(user),
      });
      if (result.exitCode === 0) version = await server.version();
      if (version === undefined) await new Promise((done) => setTimeout(done, 250));
    }
    if (version === undefined) {
      throw new SlipwayError(
        "LOCAL_DATABASE_START_FAILED",
        withLogLines(
          `MariaDB on port ${port} runs but slipway cannot log in as its admin${result ? `: ${clientError(result, password)}` : ""}`,
          await logTail(layout.logFile, [password]),
        ),
        { hint: `See ${layout.logFile}. If the server is not this project's, stop it or let slipway pick another port.` },
      );
    }
  }
  await writeServerState(layout.stateDir, { engine: "mysql", port, version });
  const { version: _query, ...rest } = server;
  return { ...rest, version };
}

/** Stops the project's MariaDB (SIGTERM is its clean shutdown). Returns whether it was running. */
export async function stopMariadb(stateDir: string): Promise<boolean> {
  const layout = mariadbLayout(stateDir);
  const running = await readPidFile(layout.pidFile);
  if (!running || !isAlive(running.pid, running.startTime)) return false;
  // SIGTERM is a clean shutdown; after a minute SIGKILL, from which InnoDB recovers on the next start.
  await stopProcess(running, { graceMs: 60_000 });
  return true;
}

async function initialise(bin: MariadbBinaries, layout: MariadbLayout, user: SystemUser, password: string): Promise<void> {
  await rm(layout.partialDir, { recursive: true, force: true });
  await ownedDir(layout.partialDir, user, 0o700);
  const result = await runCommand({
    command: installDbCommand(bin, layout.partialDir, user.name),
    cwd: "/",
    env: toolEnv(),
    timeoutMs: 300_000,
    logFile: layout.installLog,
    ...runAs(user),
  });
  if (result.exitCode !== 0) {
    throw new SlipwayError(
      "LOCAL_DATABASE_START_FAILED",
      withLogLines(
        `mariadb-install-db could not create the data folder (exit ${result.exitCode ?? result.signal})`,
        result.lastLines.slice(-15).map((line) => redactLine(line, [password])),
      ),
      { hint: `See ${layout.installLog}. Check free disk space and that ${user.name} can write to ${layout.stateDir}.` },
    );
  }
  await rename(layout.partialDir, layout.dataDir);
}

async function startServer(bin: MariadbBinaries, layout: MariadbLayout, user: SystemUser, port: number, password: string): Promise<void> {
  if (await isPortOpen(port, host)) throw portInUse(port, layout);
  const socket = socketPath(layout.stateDir, "mysqld.sock");
  await ownedDir(dirname(socket), user, 0o700);
  const child = await spawnDetached({
    command: mariadbdCommand(bin, { dataDir: layout.dataDir, port, socket }),
    cwd: "/",
    env: toolEnv(),
    logFile: layout.logFile,
    pidFile: layout.pidFile,
    ...runAs(user),
  });
  const opened = await waitForPort(port, { timeoutMs: 120_000, process: child });
  if (opened.ok) return;
  const lines = await logTail(layout.logFile, [password]);
  if (lines.some((line) => /Address already in use|Bind on TCP\/IP port/.test(line))) throw portInUse(port, layout);
  const why =
    opened.reason === "exited"
      ? `mariadbd exited (${opened.exitCode ?? opened.signal ?? "unknown status"})`
      : "mariadbd did not open its port";
  if (opened.reason === "timeout") await stopProcess(child, { graceMs: 10_000 });
  throw new SlipwayError("LOCAL_DATABASE_START_FAILED", withLogLines(`MariaDB in ${layout.dataDir} did not start: ${why}`, lines), {
    hint: `See ${layout.logFile}. A server that was killed recovers on its next start; if its data folder is damaged, move ${layout.dataDir} away to start empty.`,
  });
}

function portInUse(port: number, layout: MariadbLayout): SlipwayError {
  return new SlipwayError(
    "LOCAL_PORT_IN_USE",
    `port ${port} on ${host} is already in use, so MariaDB for ${layout.stateDir} cannot listen there`,
    {
      hint: `Stop the program that uses it (\`ss -ltnp 'sport = :${port}'\` names it), or let slipway pick another port for the database.`,
    },
  );
}

function clientError(result: RunCommandResult, ...secrets: string[]): string {
  const last = result.lastLines.filter((line) => line.trim() !== "").at(-1) ?? `exit ${result.exitCode ?? result.signal}`;
  return redactLine(last, [...secrets, ...secrets.map(nativePasswordHash)]);
}

type MariadbServer = Omit<DatabaseServer, "version"> & { version(): Promise<string | undefined> };

function mariadbServer(bin: MariadbBinaries, layout: MariadbLayout, port: number, password: string): MariadbServer {
  /** Runs SQL as the admin over TCP; the credentials go in a 0600 option file that is removed after. */
  const adminSql = async (sql: string): Promise<RunCommandResult> => {
    const optionFile = join(layout.stateDir, `client-${randomBytes(6).toString("hex")}.cnf`);
    await writeFileAtomic(optionFile, clientOptionFile({ user: mariadbAdminUser, password, port }), 0o600);
    try {
      return await runCommand({ command: tcpClientCommand(bin, optionFile), cwd: "/", env: toolEnv(), input: sql, timeoutMs: 60_000 });
    } finally {
      await rm(optionFile, { force: true });
    }
  };

  return {
    engine: "mysql",
    host,
    port,
    admin: { user: mariadbAdminUser, password },
    async version() {
      const result = await adminSql("SELECT VERSION();\n");
      return result.exitCode === 0 ? result.lastLines.find((line) => line.trim() !== "")?.trim() : undefined;
    },
    async ping() {
      return (await adminSql("SELECT 1;\n")).exitCode === 0;
    },
    async ensureDatabase({ database, user, password: userPassword }) {
      const invalid = invalidMariadbName("database", database) ?? invalidMariadbName("user", user);
      if (invalid !== undefined) {
        throw new SlipwayError("LOCAL_DATABASE_SETUP_FAILED", invalid, {
          hint: "Choose another database.name / database.user in slipway.yaml.",
        });
      }
      const result = await adminSql(ensureDatabaseSql(database, user, userPassword));
      const [databaseExisted, userExisted] = result.lastLines.map((line) => line.trim());
      if (result.exitCode !== 0 || databaseExisted === undefined || userExisted === undefined) {
        throw new SlipwayError(
          "LOCAL_DATABASE_SETUP_FAILED",
          `database ${JSON.stringify(database)}, user ${JSON.stringify(user)}: ${clientError(result, password, userPassword)}`,
          { hint: `Check that MariaDB runs (\`slipway status\`) and see ${layout.logFile}.` },
        );
      }
      return { createdDatabase: databaseExisted === "0", createdUser: userExisted === "0" };
    },
  };
}
