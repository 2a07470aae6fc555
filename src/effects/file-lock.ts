import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { dirname } from "node:path";
import { type AcquireOptions, type DeployLock, isHolderDead, type LockHandle, type LockHolder } from "../deploy/lock.js";
import { SlipwayError } from "../errors/slipway-error.js";

const heartbeatMs = 2_000;
const staleMs = 30_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A lock file created with O_EXCL. The holder rewrites its heartbeat every 2 s; a holder whose
 * process is gone (or, from another host, whose heartbeat is 30 s old) is taken over by renaming
 * its file away first, so two deploys racing for a dead lock cannot both win.
 */
export function fileLock(path: string): DeployLock {
  const read = async (): Promise<LockHolder | undefined> => {
    try {
      return JSON.parse(await readFile(path, "utf8")) as LockHolder;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      // A torn or foreign file: treat as a dead holder so it can be taken over.
      return {
        pid: -1,
        host: "",
        user: "",
        command: "unreadable lock file",
        acquiredAt: new Date(0).toISOString(),
        heartbeatAt: new Date(0).toISOString(),
      };
    }
  };

  const tryCreate = async (holder: LockHolder): Promise<boolean> => {
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeFile(path, JSON.stringify(holder), { flag: "wx", mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
  };

  return {
    inspect: read,
    async forceUnlock() {
      const holder = await read();
      await rm(path, { force: true });
      return holder;
    },
    async acquire(command: string, options: AcquireOptions): Promise<LockHandle> {
      const me = (): LockHolder => {
        const now = new Date().toISOString();
        return { pid: process.pid, host: hostname(), user: userInfo().username, command, acquiredAt: now, heartbeatAt: now };
      };
      const deadline = Date.now() + options.timeoutMs;
      let tookOverFrom: LockHolder | undefined;
      let announced = false;
      for (;;) {
        const holder = me();
        if (await tryCreate(holder)) return handle(holder, tookOverFrom);
        const current = await read();
        if (current === undefined) continue;
        if (isHolderDead(current, new Date(), hostname(), pidAlive, staleMs)) {
          const aside = `${path}.stale-${process.pid}-${Date.now()}`;
          try {
            await rename(path, aside);
            await rm(aside, { force: true });
            tookOverFrom = current;
          } catch {
            // Another deploy took it over first; loop and look again.
          }
          continue;
        }
        if (!options.wait) {
          throw new SlipwayError("DEPLOY_LOCKED", `another deploy holds the lock: ${describeHolder(current)}`, {
            hint: "Wait for it (drop --no-wait), or if you are sure it is gone: slipway unlock --force.",
          });
        }
        if (Date.now() > deadline) {
          throw new SlipwayError("DEPLOY_LOCKED", `gave up waiting for the lock held by ${describeHolder(current)}`, {
            hint: "Try again later, or if you are sure it is gone: slipway unlock --force.",
          });
        }
        if (!announced) {
          options.onWait?.(current);
          announced = true;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };

  function handle(holder: LockHolder, tookOverFrom: LockHolder | undefined): LockHandle {
    let current = holder;
    const timer = setInterval(() => {
      current = { ...current, heartbeatAt: new Date().toISOString() };
      const tmp = `${path}.${process.pid}.tmp`;
      writeFile(tmp, JSON.stringify(current), { mode: 0o600 })
        .then(() => rename(tmp, path))
        .catch(() => undefined);
    }, heartbeatMs);
    timer.unref();
    return {
      holder,
      tookOverFrom,
      async release() {
        clearInterval(timer);
        const now = await read();
        if (now && now.pid === holder.pid && now.host === holder.host) await rm(path, { force: true });
      },
    };
  }
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} (${holder.user}), \`${holder.command}\`, since ${holder.acquiredAt}`;
}
