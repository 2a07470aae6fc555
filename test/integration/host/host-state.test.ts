/*
 * The host target's lock and history on the server, through a real Host (this machine's: real
 * files, real `sh`; the SSH host runs the same commands, as the Host contract suite shows): two
 * deploys racing for the lock, a dead holder's lock taken over, a torn record skipped and reported.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localHost } from "../../../src/effects/local-host.js";
import { processStartTime } from "../../../src/effects/processes.js";
import type { SlipwayError } from "../../../src/errors/slipway-error.js";
import type { ReleaseRecord } from "../../../src/model/release-record.js";
import { hostHistory, hostLock, lockCreateScript } from "../../../src/targets/host/host-state.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slipway-hoststate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (revision: number): ReleaseRecord => ({
  revision,
  app: "shop",
  environment: "production",
  target: "host",
  specHash: "x",
  artifact: { kind: "image", ref: "localhost/shop:1" },
  git: undefined,
  who: { user: "u", host: "h", pid: 1 },
  startedAt: new Date(0).toISOString(),
  finishedAt: undefined,
  phases: [],
  outcome: "succeeded",
  rollbackOf: undefined,
  failure: undefined,
  secrets: { names: [] },
  runtime: { containers: [{ name: `slipway-shop-production-r${revision}-1`, port: 24000 + revision }] },
});

describe("host lock and history through a Host", () => {
  it("lets exactly one of two concurrent deploys hold the lock; the other is refused with the holder", async () => {
    const file = join(dir, "race", "lock.json");
    const a = hostLock(localHost, file);
    const b = hostLock(localHost, file);
    const results = await Promise.allSettled([
      a.acquire("slipway deploy shop -e production (a)", { wait: false, timeoutMs: 0 }),
      b.acquire("slipway deploy shop -e production (b)", { wait: false, timeoutMs: 0 }),
    ]);
    const held = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(held).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const reason = refused[0]?.reason as SlipwayError | undefined;
    expect(reason?.code).toBe("DEPLOY_LOCKED");
    expect(reason?.message).toContain(`pid ${process.pid} on ${hostname()}`);
    // The file is private to the deploy user, and released when the holder is done.
    expect((await readFile(file, "utf8")).length).toBeGreaterThan(0);
    expect(spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim()).toBe("600");
    await (held[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof a.acquire>>>).value.release();
    expect(await a.inspect()).toBeUndefined();
  });

  it("never shows a half-written lock: it appears whole or not at all, and an existing one is left as it is", async () => {
    const file = join(dir, "whole", "lock.json");
    await localHost.makeDir(join(dir, "whole"));
    const create = (text: string) => spawnSync("sh", ["-c", lockCreateScript, "sh", file], { input: text, encoding: "utf8" });
    expect(create('{"pid":1}\n').status).toBe(0);
    expect(await readFile(file, "utf8")).toBe('{"pid":1}\n');
    expect(spawnSync("stat", ["-c", "%a %h", file], { encoding: "utf8" }).stdout.trim()).toBe("600 1");
    expect(create('{"pid":2}\n').status).not.toBe(0);
    expect(await readFile(file, "utf8")).toBe('{"pid":1}\n');
    // No temporary file is left beside it, whichever way it went.
    expect(spawnSync("ls", ["-A", join(dir, "whole")], { encoding: "utf8" }).stdout.trim()).toBe("lock.json");
    // A reader polling while 30 rounds of two deploys race never reads an empty or partial lock.
    const seen = new Set<string>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const text = await readFile(join(dir, "race2", "lock.json"), "utf8").catch(() => undefined);
        if (text !== undefined) seen.add(text.endsWith("}\n") ? "whole" : `partial: ${JSON.stringify(text)}`);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let round = 0; round < 30; round++) {
      const lockFile = join(dir, "race2", "lock.json");
      const results = await Promise.allSettled([
        hostLock(localHost, lockFile).acquire("a", { wait: false, timeoutMs: 0 }),
        hostLock(localHost, lockFile).acquire("b", { wait: false, timeoutMs: 0 }),
      ]);
      const held = results.filter((r) => r.status === "fulfilled");
      expect(held, `round ${round}`).toHaveLength(1);
      await (held[0] as PromiseFulfilledResult<Awaited<ReturnType<ReturnType<typeof hostLock>["acquire"]>>>).value.release();
    }
    polling = false;
    await poll;
    expect([...seen]).toEqual(["whole"]);
  }, 60_000);

  it("takes over the lock of a holder whose process is gone, and says whose", async () => {
    const file = join(dir, "dead", "lock.json");
    const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    const deadPid = Number(gone.stdout.trim());
    const stale = {
      pid: deadPid,
      host: hostname(),
      user: "u",
      command: "slipway deploy shop -e production (killed)",
      acquiredAt: new Date().toISOString(),
      heartbeatAt: new Date().toISOString(),
      startTime: "1",
    };
    await localHost.makeDir(join(dir, "dead"));
    await writeFile(file, JSON.stringify(stale));
    const handle = await hostLock(localHost, file).acquire("slipway deploy shop -e production", { wait: false, timeoutMs: 0 });
    expect(handle.tookOverFrom).toMatchObject({ pid: deadPid, command: stale.command });
    expect(handle.holder.pid).toBe(process.pid);
    expect(handle.holder.startTime).toBe(processStartTime(process.pid));
    await handle.release();
  });

  it("keeps a live holder's lock: waiting times out with DEPLOY_LOCKED", async () => {
    const file = join(dir, "live", "lock.json");
    const first = await hostLock(localHost, file).acquire("first", { wait: false, timeoutMs: 0 });
    const waits: string[] = [];
    const second = hostLock(localHost, file).acquire("second", { wait: true, timeoutMs: 1_500, onWait: (h) => waits.push(h.command) });
    await expect(second).rejects.toMatchObject({ code: "DEPLOY_LOCKED" });
    expect(waits).toEqual(["first"]);
    await first.release();
  });

  it("stores records per revision, skips and reports a torn one, and never reuses its number", async () => {
    const historyDir = join(dir, "history");
    const invalid: string[] = [];
    const history = hostHistory(localHost, historyDir, (i) => invalid.push(`${i.file}: ${i.problem}`));
    expect(await history.list()).toEqual([]);
    expect(await history.nextRevision()).toBe(1);
    await history.put(record(1));
    await history.put(record(2));
    await writeFile(join(historyDir, "000003.json"), '{"revision": 3, "app": "sh');
    expect((await history.list()).map((r) => r.revision)).toEqual([1, 2]);
    expect(invalid).toEqual([`${join(historyDir, "000003.json")}: it is not valid JSON (torn or edited)`]);
    expect(await history.nextRevision()).toBe(4);
    expect(await history.get(2)).toEqual(record(2));
    await history.remove(1);
    expect((await history.list()).map((r) => r.revision)).toEqual([2]);
  });
});
