import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import {
  type AcquireOptions,
  type DeployLock,
  isHolderDead,
  type LockHandle,
  type LockHolder,
  parseLockHolder,
} from "../model/deploy-lock.js";
import { isAlive, processStartTime } from "./processes.js";
import { writeFileAtomic } from "./state-files.js";

const heartbeatMs = 2_000;
const staleMs = 30_000;
/** A lock file that does not read as a holder (edited, foreign) is taken over once it has not changed for this long. */
export const unreadableGraceMs = 30_000;
/** How deep a takeover follows takeover markers left by taker-overs that died themselves. */
const maxTakeoverDepth = 2;

type LockState =
  | { kind: "free" }
  | { kind: "held"; holder: LockHolder; text: string }
  | { kind: "unreadable"; text: string; mtimeMs: number };

/**
 * The local deploy lock: one file that only ever exists complete.
 *
 * - Acquire: the holder record is written and flushed to a temporary file beside the lock, which is
 *   then hard-linked to the lock's name; `link` fails when the name exists, so exactly one of any
 *   number of racing processes creates it, and nobody ever sees it empty or half written.
 * - A holder is dead when its process is gone (same host: pid and start time) or, from another host,
 *   when its heartbeat (rewritten every 2 s by rename) is 30 s old. A file that does not read as a
 *   holder is never taken over at once: only after it has stayed unchanged for 30 s (its mtime).
 * - Takeover is a compare-and-swap: a taker creates `<lock>.takeover-<hash of the content it judged>`
 *   (again by link, so one taker per judged content), checks the lock still has that content, and
 *   renames its own complete file over it. Two processes that both judge a holder dead cannot both win;
 *   a taker that dies midway leaves a marker that is itself a dead holder, taken over the same way.
 */
export function fileLock(path: string): DeployLock {
  const host = hostname();
  const holderAlive = (pid: number, startTime?: string) => isAlive(pid, startTime);

  const readState = (file: string): Promise<LockState> => readLockState(file);

  const isDead = (state: Exclude<LockState, { kind: "free" }>): boolean =>
    state.kind === "held"
      ? isHolderDead(state.holder, new Date(), host, holderAlive, staleMs)
      : Date.now() - state.mtimeMs > unreadableGraceMs;

  /** Replaces `file` with `holder` if it still has exactly `text`; one caller wins per `text`. */
  const swapIfUnchanged = async (file: string, text: string, holder: LockHolder, depth: number): Promise<boolean> => {
    const marker = `${file}.takeover-${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
    if (!(await createComplete(marker, holder))) {
      // Another process is taking this same holder over, or died doing so (then its marker is a dead holder).
      if (depth < maxTakeoverDepth) {
        const state = await readState(marker);
        if (state.kind !== "free" && isDead(state)) await swapIfUnchanged(marker, state.text, holder, depth + 1);
      }
      return false;
    }
    try {
      if (depth > 0) {
        // A dead marker: removing it (while holding its own marker) lets the next round try again.
        if ((await readTextOrUndefined(file)) !== text) return false;
        await rm(file, { force: true });
        return false;
      }
      if ((await readTextOrUndefined(file)) !== text) return false;
      const temporary = await writeTemporary(file, holder);
      try {
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return true;
    } finally {
      await rm(marker, { force: true });
    }
  };

  return {
    async inspect() {
      const state = await readState(path);
      if (state.kind === "free") return undefined;
      return state.kind === "held" ? state.holder : unreadableHolder(state);
    },
    async forceUnlock() {
      const state = await readState(path);
      await rm(path, { force: true });
      // Markers of takeovers and temporary files of writers that died are removed with it.
      const prefix = `${basename(path)}.`;
      const names = await readdir(dirname(path)).catch(() => [] as string[]);
      for (const name of names) {
        if (name.startsWith(prefix) && (name.includes(".takeover-") || name.endsWith(".tmp")))
          await rm(join(dirname(path), name), { force: true });
      }
      if (state.kind === "free") return undefined;
      return state.kind === "held" ? state.holder : unreadableHolder(state);
    },
    async acquire(command: string, options: AcquireOptions): Promise<LockHandle> {
      const startTime = processStartTime(process.pid);
      const me = (): LockHolder => {
        const now = new Date().toISOString();
        return {
          pid: process.pid,
          host,
          user: userInfo().username,
          command,
          acquiredAt: now,
          heartbeatAt: now,
          token: randomBytes(12).toString("hex"),
          ...(startTime === undefined ? {} : { startTime }),
        };
      };
      await mkdir(dirname(path), { recursive: true });
      const deadline = Date.now() + options.timeoutMs;
      let announced = false;
      for (;;) {
        const holder = me();
        if (await createComplete(path, holder)) return handle(holder, undefined);
        const state = await readState(path);
        if (state.kind === "free") continue;
        if (isDead(state)) {
          if (await swapIfUnchanged(path, state.text, holder, 0))
            return handle(holder, state.kind === "held" ? state.holder : unreadableHolder(state));
          // Another process took it over (or is doing so): look again shortly.
          await sleep(10 + Math.random() * 20);
          continue;
        }
        const current = state.kind === "held" ? state.holder : unreadableHolder(state);
        const who = state.kind === "held" ? describeHolder(state.holder) : describeUnreadable(path, state);
        if (!options.wait) {
          throw new SlipwayError("DEPLOY_LOCKED", `another deploy holds the lock: ${who}`, {
            hint: "Wait for it (drop --no-wait), or if you are sure it is gone: slipway unlock --force.",
          });
        }
        if (Date.now() > deadline) {
          throw new SlipwayError("DEPLOY_LOCKED", `gave up waiting for the lock held by ${who}`, {
            hint: "Try again later, or if you are sure it is gone: slipway unlock --force.",
          });
        }
        if (!announced) {
          options.onWait?.(current);
          announced = true;
        }
        await sleep(250);
      }
    },
  };

  function handle(holder: LockHolder, tookOverFrom: LockHolder | undefined): LockHandle {
    let current = holder;
    let beating: Promise<void> = Promise.resolve();
    let released = false;
    const stillOurs = async (): Promise<boolean> => {
      const state = await readState(path);
      return state.kind === "held" && state.holder.token === holder.token;
    };
    const timer = setInterval(() => {
      beating = beating.then(async () => {
        if (released || !(await stillOurs())) return;
        current = { ...current, heartbeatAt: new Date().toISOString() };
        await writeFileAtomic(path, JSON.stringify(current), 0o600).catch(() => undefined);
      });
    }, heartbeatMs);
    timer.unref();
    return {
      holder,
      tookOverFrom,
      async release() {
        released = true;
        clearInterval(timer);
        // A heartbeat in flight would put the file back after it is removed: let it finish first.
        await beating;
        if (await stillOurs()) await rm(path, { force: true });
      },
    };
  }
}

/** What the lock file at `file` says: nobody, a holder, or something that does not read as one. */
async function readLockState(file: string): Promise<LockState> {
  const text = await readTextOrUndefined(file);
  if (text === undefined) return { kind: "free" };
  const holder = parseLockHolder(text);
  if (holder !== undefined) return { kind: "held", holder, text };
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(file)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "free" };
    throw error;
  }
  return { kind: "unreadable", text, mtimeMs };
}

/**
 * Creates `file` holding `holder`, complete, or returns false when it exists: the record is written
 * and flushed to a temporary file first, then linked to the name (link fails on an existing name).
 */
async function createComplete(file: string, holder: LockHolder): Promise<boolean> {
  const temporary = await writeTemporary(file, holder);
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function writeTemporary(file: string, holder: LockHolder): Promise<string> {
  const temporary = `${file}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(JSON.stringify(holder));
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  return temporary;
}

async function readTextOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function unreadableHolder(state: { mtimeMs: number }): LockHolder {
  const at = new Date(state.mtimeMs).toISOString();
  return { pid: -1, host: "", user: "", command: "unreadable lock file", acquiredAt: at, heartbeatAt: at };
}

function describeUnreadable(path: string, state: { mtimeMs: number }): string {
  const seconds = Math.max(0, Math.round((Date.now() - state.mtimeMs) / 1000));
  return `${path} does not read as a lock holder (changed ${seconds} s ago; taken over once unchanged for ${unreadableGraceMs / 1000} s)`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} (${holder.user}), \`${holder.command}\`, since ${holder.acquiredAt}`;
}
