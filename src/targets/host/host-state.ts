/*
 * The host target's release history and deploy lock, kept on the server through a `Host`, in the
 * local target's formats: one JSON record per revision (`000042.json`, 0600, written atomically)
 * and a lock file holding a `LockHolder`. Every machine that deploys to the server sees the same
 * history and the same lock.
 */
import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { isHolderDead, type LockHolder, parseLockHolder } from "../../deploy/lock.js";
import type { Host } from "../../effects/host.js";
import { isAlive as localIsAlive, processStartTime } from "../../effects/processes.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { DeployLock, LockHandle } from "../../model/deploy-lock.js";
import { checkReleaseRecord, type HistoryStore, type ReleaseRecord } from "../../model/release-record.js";

const recordName = /^(\d{6})\.json$/;
const toolEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

/** The files of a folder on the host, sorted; [] when it does not exist. */
async function listNames(host: Host, dir: string): Promise<string[]> {
  const names: string[] = [];
  const result = await host.run({
    command: ["sh", "-c", 'cd "$1" 2>/dev/null || exit 0; for f in *; do [ -e "$f" ] && printf "%s\\n" "$f"; done', "sh", dir],
    cwd: "/",
    env: toolEnv,
    timeoutMs: 30_000,
    lastLineCount: 0,
    onLine: (line, stream) => {
      if (stream === "stdout") names.push(line);
    },
  });
  if (result.exitCode !== 0) throw new SlipwayError("HOST_SSH_FAILED", `cannot list ${dir} on the host: ${result.lastLines.join(" | ")}`);
  return names.sort();
}

/** Release records on the host: one JSON file per revision; a file that is not a record is skipped and reported. */
export function hostHistory(host: Host, dir: string, onInvalid?: (invalid: { file: string; problem: string }) => void): HistoryStore {
  const file = (revision: number) => join(dir, `${String(revision).padStart(6, "0")}.json`);
  const names = async () => (await listNames(host, dir)).filter((n) => recordName.test(n));
  const read = async (path: string, revision: number): Promise<ReleaseRecord | undefined> => {
    const text = await host.readText(path);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      onInvalid?.({ file: path, problem: text.trim() === "" ? "it is empty" : "it is not valid JSON (torn or edited)" });
      return undefined;
    }
    const checked = checkReleaseRecord(value, revision);
    if ("problem" in checked) {
      onInvalid?.({ file: path, problem: checked.problem });
      return undefined;
    }
    return checked.record;
  };
  return {
    async list() {
      const all = await names();
      const records: (ReleaseRecord | undefined)[] = [];
      // A few at a time: each read is an SSH session, and sshd allows 10 per connection.
      for (let i = 0; i < all.length; i += 4) {
        const batch = all.slice(i, i + 4);
        records.push(...(await Promise.all(batch.map((n) => read(join(dir, n), Number(recordName.exec(n)?.[1]))))));
      }
      return records.filter((r): r is ReleaseRecord => r !== undefined);
    },
    get: (revision) => read(file(revision), revision),
    async put(record) {
      await host.makeDir(dir);
      await host.writeFileAtomic(file(record.revision), `${JSON.stringify(record, null, 2)}\n`, 0o600);
    },
    async nextRevision() {
      const taken = (await names()).map((name) => Number(recordName.exec(name)?.[1]));
      return Math.max(0, ...taken) + 1;
    },
    async remove(revision) {
      await host.remove(file(revision));
    },
  };
}

/** Creates the lock file `$1` with stdin as its content, atomically; exits non-zero when it exists. */
export const lockCreateScript =
  'umask 077; tmp="$1.$$.new"; cat >"$tmp" || { rm -f "$tmp"; exit 2; }; ln "$tmp" "$1" 2>/dev/null; rc=$?; rm -f "$tmp"; exit $rc';

/** A holder on another machine is taken for dead when its heartbeat is older than this. */
export const hostLockStaleMs = 60_000;
const heartbeatMs = 10_000;

/**
 * The deploy lock as a file on the host, created atomically (written whole, then `ln`: fails when it exists), so two deploys from any
 * machines never both hold it. A holder on this machine is dead when its process is gone; one on
 * another machine when its heartbeat stopped (a killed deploy's lock is taken over, never kept).
 */
export function hostLock(host: Host, file: string): DeployLock {
  const readHolder = async (): Promise<{ text: string; holder: LockHolder | undefined } | undefined> => {
    const text = await host.readText(file);
    return text === undefined ? undefined : { text, holder: parseLockHolder(text) };
  };
  const create = async (holder: LockHolder): Promise<boolean> => {
    const dir = file.slice(0, file.lastIndexOf("/")) || "/";
    await host.makeDir(dir);
    const result = await host.run({
      // Written whole to a file of its own, then hard-linked into place: `ln` fails when the lock
      // exists, and a reader never sees a lock file that is still empty (which it would take for
      // one torn by a killed writer, and take over from a live holder).
      command: ["sh", "-c", lockCreateScript, "sh", file],
      cwd: "/",
      env: toolEnv,
      input: `${JSON.stringify(holder)}\n`,
      timeoutMs: 30_000,
    });
    return result.exitCode === 0;
  };
  /** Removes the file only if it still holds `text` (a holder that changed meanwhile is left alone). */
  const removeIf = async (text: string): Promise<void> => {
    await host.run({
      command: ["sh", "-c", 'cur=$(cat "$1" 2>/dev/null; echo .); [ "$cur" = "$2." ] && rm -f "$1"; exit 0', "sh", file, text],
      cwd: "/",
      env: toolEnv,
      timeoutMs: 30_000,
    });
  };
  const dead = (holder: LockHolder) =>
    isHolderDead(holder, new Date(), hostname(), (pid, startTime) => localIsAlive(pid, startTime), hostLockStaleMs);

  return {
    async inspect() {
      return (await readHolder())?.holder;
    },
    async forceUnlock() {
      const current = await readHolder();
      if (current === undefined) return undefined;
      await removeIf(current.text);
      return current.holder;
    },
    async acquire(command, options): Promise<LockHandle> {
      const now = new Date().toISOString();
      const holder: LockHolder = {
        pid: process.pid,
        host: hostname(),
        user: userInfo().username,
        command,
        acquiredAt: now,
        heartbeatAt: now,
        token: randomBytes(12).toString("hex"),
        ...(processStartTime(process.pid) ? { startTime: processStartTime(process.pid) as string } : {}),
      };
      const deadline = Date.now() + options.timeoutMs;
      let tookOverFrom: LockHolder | undefined;
      let told = false;
      for (;;) {
        if (await create(holder)) break;
        const current = await readHolder();
        if (current === undefined) continue;
        // Unreadable (torn by a killed writer) or a dead holder: taken over.
        if (current.holder === undefined || dead(current.holder)) {
          tookOverFrom = current.holder;
          await removeIf(current.text);
          continue;
        }
        if (!options.wait || Date.now() > deadline) {
          const h = current.holder;
          throw new SlipwayError(
            "DEPLOY_LOCKED",
            `another deploy holds the lock: pid ${h.pid} on ${h.host} (${h.command}) since ${h.acquiredAt}`,
            {
              hint: "Wait for it to finish, or if it is gone, run slipway unlock --force.",
            },
          );
        }
        if (!told) options.onWait?.(current.holder);
        told = true;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      let released = false;
      const beat = setInterval(() => {
        void (async () => {
          const current = await readHolder().catch(() => undefined);
          if (released || current?.holder?.token !== holder.token) return;
          holder.heartbeatAt = new Date().toISOString();
          await host.writeFileAtomic(file, `${JSON.stringify(holder)}\n`, 0o600).catch(() => undefined);
        })();
      }, heartbeatMs);
      beat.unref();
      return {
        holder,
        tookOverFrom,
        async release() {
          released = true;
          clearInterval(beat);
          const current = await readHolder().catch(() => undefined);
          if (current !== undefined && current.holder?.token === holder.token) await removeIf(current.text).catch(() => undefined);
        },
      };
    },
  };
}
