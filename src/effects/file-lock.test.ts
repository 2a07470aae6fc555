import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileLock, unreadableGraceMs } from "./file-lock.js";

// The local deploy lock on a real file system, in one process (the 20-process races are in
// test/integration/local/lock-race.test.ts).

describe("fileLock", () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-file-lock-"));
    path = join(dir, "lock.json");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const once = { wait: false, timeoutMs: 0 };

  it("an empty or half-written lock file is not taken over while it is fresh", async () => {
    for (const text of ["", '{"pid": 12, "host": "'])
      await writeFile(path, text).then(async () => {
        await expect(fileLock(path).acquire("deploy", once)).rejects.toMatchObject({ code: "DEPLOY_LOCKED" });
        expect(await readFile(path, "utf8")).toBe(text);
      });
  });

  it("an unreadable lock file that stayed unchanged past the grace period is taken over", async () => {
    await writeFile(path, "null");
    const old = new Date(Date.now() - unreadableGraceMs - 5_000);
    await utimes(path, old, old);
    const handle = await fileLock(path).acquire("deploy", once);
    expect(handle.tookOverFrom).toMatchObject({ pid: -1, command: "unreadable lock file" });
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ pid: process.pid, token: handle.holder.token });
    await handle.release();
  });

  it("a second acquisition in the same process is refused while the first holds; release frees it", async () => {
    const first = await fileLock(path).acquire("one", once);
    await expect(fileLock(path).acquire("two", once)).rejects.toMatchObject({ code: "DEPLOY_LOCKED" });
    await first.release();
    const second = await fileLock(path).acquire("two", once);
    // Releasing an old handle again leaves the new holder's lock alone.
    await first.release();
    expect(await fileLock(path).inspect()).toMatchObject({ command: "two" });
    await second.release();
    expect(await fileLock(path).inspect()).toBeUndefined();
    // Nothing is left beside the lock: no temporary files, no takeover markers.
    expect(await readdir(dir)).toEqual([]);
  });

  it("a takeover marker left by a taker that died is itself taken over", async () => {
    // Pids above the kernel's pid_max (at most 2^22) never run.
    const at = new Date().toISOString();
    const dead = (pid: number) => JSON.stringify({ pid, host: hostname(), user: "u", command: "died", acquiredAt: at, heartbeatAt: at });
    const text = dead(99_999_901);
    await writeFile(path, text);
    const marker = `${path}.takeover-${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
    await writeFile(marker, dead(99_999_902));
    const handle = await fileLock(path).acquire("deploy", { wait: true, timeoutMs: 10_000 });
    expect(handle.tookOverFrom?.pid).toBe(99_999_901);
    await handle.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("forceUnlock removes the lock and any marker or temporary file beside it", async () => {
    await writeFile(path, "{}");
    await writeFile(`${path}.takeover-0123456789abcdef`, "{}");
    await writeFile(`${path}.123-abc.tmp`, "{}");
    await writeFile(join(dir, "other.json"), "{}");
    expect(await fileLock(path).forceUnlock()).toMatchObject({ command: "unreadable lock file" });
    expect(await readdir(dir)).toEqual(["other.json"]);
  });
});
