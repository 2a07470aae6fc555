/*
 * The state folder of a local database server (.slipway/<env>/postgres or …/mariadb), shared by the
 * PostgreSQL and MariaDB effects: the remembered port, the admin secret, folders owned by the
 * server's user, socket paths that fit the kernel's limit, and log tails safe to show.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, chown, mkdir, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import { Redactor } from "../secrets/redact.js";
import { tailFile } from "./processes.js";
import { readTextIfExists, writeFileAtomic } from "./state-files.js";
import { firstBlockedAncestor, type SystemUser } from "./system-users.js";

export interface DatabaseServerState {
  engine: "postgres" | "mysql";
  port: number;
  version?: string;
}

/** The port the server in `stateDir` last ran on, so releases keep their DATABASE_URL across restarts. */
export async function rememberedDatabasePort(stateDir: string): Promise<number | undefined> {
  return (await readServerState(stateDir))?.port;
}

export async function readServerState(stateDir: string): Promise<DatabaseServerState | undefined> {
  const text = await readTextIfExists(join(stateDir, "server.json"));
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as Partial<DatabaseServerState>;
    if ((state.engine === "postgres" || state.engine === "mysql") && Number.isInteger(state.port)) return state as DatabaseServerState;
  } catch {
    // A damaged file is as good as none: the caller picks a port again.
  }
  return undefined;
}

export async function writeServerState(stateDir: string, state: DatabaseServerState): Promise<void> {
  await writeFileAtomic(join(stateDir, "server.json"), `${JSON.stringify(state, null, 2)}\n`);
}

/** The admin password, made (random, 0600) on first use. Never logged. */
export async function adminSecret(stateDir: string, create: boolean): Promise<string | undefined> {
  const file = join(stateDir, "admin.secret");
  const existing = (await readTextIfExists(file))?.trim();
  if (existing) return existing;
  if (!create) return undefined;
  // Hex: safe unquoted in option files, URLs and SQL literals alike.
  const password = randomBytes(24).toString("hex");
  await writeFileAtomic(file, `${password}\n`, 0o600);
  return password;
}

/**
 * Creates the state folder. When the server runs as another user (slipway is root), that user must
 * pass through it and every folder above it; fails with a hint naming the folder that blocks it.
 */
export async function prepareStateDir(stateDir: string, user: SystemUser, what: string): Promise<void> {
  // Parents get the usual 0755; the state folder itself lists nothing to others.
  await mkdir(dirname(stateDir), { recursive: true });
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  if (!user.switchTo) return;
  // Execute only for others: the server's user can reach its own folders inside, list nothing.
  await chmod(stateDir, 0o711);
  const blocked = await firstBlockedAncestor(join(stateDir, "x"), user);
  if (blocked !== undefined) {
    throw new SlipwayError("LOCAL_DATABASE_START_FAILED", `${what} runs as the system user ${user.name}, who cannot enter ${blocked}`, {
      hint: `Let it pass through (chmod o+x ${blocked}) or keep the project in a folder other users can reach, such as /srv or /opt.`,
    });
  }
}

/** A folder (or file) owned by the server's user with `mode`, created if missing. */
export async function ownedDir(path: string, user: SystemUser, mode: number): Promise<void> {
  await mkdir(path, { recursive: true, mode });
  await chmod(path, mode);
  if (user.switchTo) await chown(path, user.uid, user.gid);
}

/** Creates `path` as an empty file if missing, owned by the server's user. */
export async function ownedFile(path: string, user: SystemUser, mode: number): Promise<void> {
  const handle = await open(path, "a", mode);
  await handle.close();
  await chmod(path, mode);
  if (user.switchTo) await chown(path, user.uid, user.gid);
}

/** Unix socket paths are limited to 107 bytes; deep project folders get a short one under the temp folder. */
export function socketPath(stateDir: string, fileName: string): string {
  const preferred = join(stateDir, "run", fileName);
  if (Buffer.byteLength(preferred) <= 100) return preferred;
  const digest = createHash("sha256").update(stateDir).digest("hex").slice(0, 16);
  return join(tmpdir(), `slipway-${digest}`, fileName);
}

/** The last lines of a server log with passwords masked, for error messages and evidence. */
export async function logTail(logFile: string, secrets: readonly string[], lines = 15): Promise<string[]> {
  return (await tailFile(logFile, lines)).map((line) => redactLine(line, secrets));
}

/** A server log line without password literals of SQL statements and without the given secrets (in any form the redactor knows). */
export function redactLine(line: string, secrets: readonly string[]): string {
  const out = line.replace(/(PASSWORD\s+|IDENTIFIED\s+BY\s+(?:PASSWORD\s+)?)'(?:[^']|'')*'/gi, "$1'***'");
  return new Redactor(secrets).text(out);
}

/** `message — last log lines:\n  …` when there are any. */
export function withLogLines(message: string, lines: readonly string[]): string {
  return lines.length === 0 ? message : `${message} — last log lines:\n${lines.map((line) => `  ${line}`).join("\n")}`;
}
