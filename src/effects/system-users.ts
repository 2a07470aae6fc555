import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The system account a database server runs as. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  /** Whether slipway must switch to this user (it runs as root); false when it is slipway's own user. */
  switchTo: boolean;
}

/** Whether slipway runs as root. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** `useradd` for a system account without a home or login shell, in its own group. */
export function useraddCommand(name: string): readonly string[] {
  return ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name];
}

/**
 * The account a database server runs as. PostgreSQL and MariaDB refuse to run as root, so as root
 * this is `name` (created as a system account when missing); otherwise it is slipway's own user.
 */
export async function serverUser(name: string): Promise<SystemUser> {
  if (!runningAsRoot()) {
    const me = userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid, switchTo: false };
  }
  let found = await lookupUser(name);
  if (found === undefined) {
    const [program, ...args] = useraddCommand(name);
    await execFileAsync(program as string, args);
    found = await lookupUser(name);
    if (found === undefined) throw new Error(`useradd ${name} succeeded but the user cannot be found`);
  }
  return { name, ...found, switchTo: true };
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync("id", ["-u", name]), execFileAsync("id", ["-g", name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * The first folder on the way to `path` that `user` cannot pass through (no execute permission for
 * it), or undefined when every ancestor is traversable. Only meaningful when switching users.
 */
export async function firstBlockedAncestor(path: string, user: { uid: number; gid: number }): Promise<string | undefined> {
  const chain: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(dir);
    } catch {
      return undefined;
    }
    const bits = info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
    if ((Number(info.mode) & bits) === 0) return dir;
  }
  return undefined;
}
