import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleScript, Cleanups, childEnv, tempDir } from "./helpers.js";

// Twenty real OS processes race for the local deploy lock (src/effects/file-lock.ts), twenty rounds
// each: exactly one may hold it. A lock file that is created but not yet written, or a dead holder
// that several processes judge dead at once, must never let two of them in.

const contenders = 20;
const rounds = 20;

interface Result {
  type: "result";
  id: number;
  outcome: "won" | "locked" | "error";
  message?: string;
  overlap?: boolean;
  tookOverFrom?: number;
}

interface Worker {
  child: ChildProcess;
  next(type: string, id?: number): Promise<Record<string, unknown>>;
}

function startWorker(script: string): Promise<Worker> {
  const child = fork(script, [], { env: childEnv(), execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting: { type: string; id: number | undefined; resolve: (m: Record<string, unknown>) => void }[] = [];
  const early: Record<string, unknown>[] = [];
  child.on("message", (message: Record<string, unknown>) => {
    const index = waiting.findIndex((w) => w.type === message.type && (w.id === undefined || w.id === message.id));
    if (index === -1) early.push(message);
    else waiting.splice(index, 1)[0]?.resolve(message);
  });
  const next = (type: string, id?: number) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const index = early.findIndex((m) => m.type === type && (id === undefined || m.id === id));
      if (index !== -1) resolve(early.splice(index, 1)[0] as Record<string, unknown>);
      else waiting.push({ type, id, resolve });
    });
  return next("ready").then(() => ({ child, next }));
}

/** A pid that ran and is gone now. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(run.stdout);
}

describe("the local deploy lock under a 20-process race", () => {
  const cleanups = new Cleanups();
  let dir: string;
  let workers: Worker[] = [];

  beforeAll(async () => {
    dir = await tempDir(cleanups, "lock-race");
    const script = await bundleScript(cleanups, "test/integration/local/fixtures/lock-worker.ts");
    workers = await Promise.all(Array.from({ length: contenders }, () => startWorker(script)));
    cleanups.add(() => {
      for (const worker of workers) worker.child.kill("SIGKILL");
    });
  }, 120_000);

  afterAll(() => cleanups.run());

  /** One round: every worker tries once without waiting; the winner holds until all others have answered. */
  async function round(id: number, lockPath: string): Promise<Result[]> {
    const answers = workers.map((w) => w.next("result", id) as Promise<unknown> as Promise<Result>);
    for (const worker of workers) worker.child.send({ type: "try", id, lockPath, wait: false });
    const results = await Promise.all(answers);
    await Promise.all(
      results.map((result, index) => {
        if (result.outcome !== "won") return undefined;
        const released = workers[index]?.next("released", id);
        workers[index]?.child.send({ type: "release", id });
        return released;
      }),
    );
    return results;
  }

  it("a free lock: exactly one of 20 processes gets it, in each of 20 rounds", async () => {
    const winners: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const results = await round(r, join(dir, `free-${r}.lock`));
      expect(results.filter((x) => x.outcome === "error")).toEqual([]);
      winners.push(results.filter((x) => x.outcome === "won").length);
    }
    expect(winners).toEqual(Array(rounds).fill(1));
  }, 300_000);

  it("a lock held by a dead process: exactly one of 20 processes takes it over, in each of 20 rounds", async () => {
    const winners: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const lockPath = join(dir, `dead-${r}.lock`);
      const pid = deadPid();
      const at = new Date().toISOString();
      writeFileSync(
        lockPath,
        JSON.stringify({ pid, host: hostname(), user: userInfo().username, command: "died", acquiredAt: at, heartbeatAt: at }),
      );
      const results = await round(100 + r, lockPath);
      expect(results.filter((x) => x.outcome === "error")).toEqual([]);
      const won = results.filter((x) => x.outcome === "won");
      winners.push(won.length);
      for (const winner of won) expect(winner.tookOverFrom).toBe(pid);
    }
    expect(winners).toEqual(Array(rounds).fill(1));
  }, 300_000);

  it("20 processes that wait for the lock hold it one at a time (an O_EXCL sentinel never finds another holder)", async () => {
    const lockPath = join(dir, "queue.lock");
    const sentinel = join(dir, "queue.sentinel");
    const answers = workers.map((w) => w.next("result", 1000) as Promise<unknown> as Promise<Result>);
    for (const worker of workers) worker.child.send({ type: "try", id: 1000, lockPath, wait: true, sentinel });
    const results = await Promise.all(answers);
    expect(results.map((x) => x.outcome)).toEqual(Array(contenders).fill("won"));
    expect(results.filter((x) => x.overlap)).toEqual([]);
  }, 300_000);
});
