import { describe, expect, it } from "vitest";
import type { AppModel } from "../model/app-model.js";
import { Redactor } from "../secrets/redact.js";
import { DeployFailure, type DeployTarget, deploy, type ReleaseContext } from "./engine.js";
import { CollectingReporter, type FailureClass } from "./events.js";
import type { HistoryStore, ReleaseRecord } from "./history.js";
import type { DeployLock, LockHolder } from "./lock.js";

// The engine against an in-memory target: every phase's effect is recorded, and any phase can fail.

function memoryHistory(): HistoryStore & { records: Map<number, ReleaseRecord> } {
  const records = new Map<number, ReleaseRecord>();
  return {
    records,
    list: async () => [...records.values()].map((r) => structuredClone(r)),
    get: async (n) => structuredClone(records.get(n)),
    put: async (r) => void records.set(r.revision, structuredClone(r)),
    nextRevision: async () => Math.max(0, ...records.keys()) + 1,
    remove: async (n) => void records.delete(n),
  };
}

function memoryLock(): DeployLock & { held: boolean } {
  const holder: LockHolder = { pid: 1, host: "h", user: "u", command: "c", acquiredAt: "", heartbeatAt: "" };
  const lock = {
    held: false,
    inspect: async () => (lock.held ? holder : undefined),
    forceUnlock: async () => undefined,
    acquire: async () => {
      lock.held = true;
      return {
        holder,
        tookOverFrom: undefined,
        release: async () => {
          lock.held = false;
        },
      };
    },
  };
  return lock;
}

type Step = "prepare" | "ensureDatabase" | "setup" | "migrate" | "start" | "health" | "switch";

function fakeTarget(failAt?: Step, failure: FailureClass = "process-exited") {
  const calls: string[] = [];
  const fail = (step: Step) => {
    if (step === failAt) throw new DeployFailure({ class: failure, message: `${step} failed`, evidence: { exitCode: 1 } });
  };
  const target: DeployTarget = {
    name: "fake",
    url: () => "http://fake/",
    recover: async () => void calls.push("recover"),
    prepare: async (ctx: ReleaseContext) => {
      calls.push(`prepare:${ctx.rollbackOf?.revision ?? "new"}`);
      fail("prepare");
      return { kind: "image", ref: "x" };
    },
    ensureDatabase: async (ctx: ReleaseContext) => {
      calls.push("ensureDatabase");
      fail("ensureDatabase");
      return { firstTime: ctx.previous === undefined };
    },
    runCommand: async (_ctx, phase) => {
      calls.push(phase);
      fail(phase);
    },
    start: async (ctx) => {
      calls.push("start");
      fail("start");
      return { instances: [ctx.revision] };
    },
    healthGate: async () => {
      calls.push("health");
      fail("health");
    },
    switchTo: async () => {
      calls.push("switch");
      fail("switch");
    },
    switchBack: async () => void calls.push("switchBack"),
    retire: async (r) => void calls.push(`retire:${r.revision}`),
    abandon: async () => void calls.push("abandon"),
    prune: async (revs) => void calls.push(`prune:${revs.join(",")}`),
  };
  return { target, calls };
}

const model = {
  name: "app",
  environment: "local",
  image: { ref: "app:1" },
  release: { setup: ["setup"], migrate: ["migrate"] },
} as unknown as AppModel;

async function run(
  target: DeployTarget,
  history = memoryHistory(),
  lock = memoryLock(),
  rollbackTo?: number,
  keepReleases = 2,
  signal?: AbortSignal,
) {
  const reporter = new CollectingReporter();
  const result = await deploy({
    ...(signal ? { signal } : {}),
    model,
    target,
    history,
    lock,
    reporter,
    specHash: "h",
    git: undefined,
    who: { user: "u", host: "h", pid: 1 },
    secrets: { names: [] },
    rollbackTo,
    waitForLock: true,
    lockTimeoutMs: 1000,
    keepReleases,
    now: () => new Date("2026-11-25T00:00:00Z"),
  });
  return { result, reporter, history, lock };
}

describe("deploy engine", () => {
  it("runs the phases in order on a first deploy and records success", async () => {
    const { target, calls } = fakeTarget();
    const { result, history, lock } = await run(target);
    expect(result).toMatchObject({ ok: true, revision: 1, serving: 1 });
    expect(calls).toEqual(["recover", "prepare:new", "ensureDatabase", "setup", "migrate", "start", "health", "switch", "prune:"]);
    expect(history.records.get(1)?.outcome).toBe("succeeded");
    expect(lock.held).toBe(false);
  });

  it("a second deploy skips setup, retires the previous release after the switch", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget();
    await run(target, history);
    expect(calls).not.toContain("setup");
    expect(calls.indexOf("retire:1")).toBeGreaterThan(calls.indexOf("switch"));
  });

  it("a setup failure on the first deploy starts nothing", async () => {
    const { target, calls } = fakeTarget("setup", "setup-failed");
    const { result, history } = await run(target);
    expect(result).toMatchObject({ ok: false, serving: undefined });
    expect(calls).not.toContain("start");
    expect(history.records.get(1)?.failure?.class).toBe("setup-failed");
  });

  for (const step of ["migrate", "prepare", "ensureDatabase"] as const) {
    it(`a ${step} failure starts nothing and moves no traffic`, async () => {
      const history = memoryHistory();
      await run(fakeTarget().target, history);
      const { target, calls } = fakeTarget(step, "migration-failed");
      const { result, reporter, lock } = await run(target, history);
      expect(result).toMatchObject({ ok: false, serving: 1 });
      expect(calls).not.toContain("start");
      expect(calls).not.toContain("switch");
      expect(history.records.get(2)?.outcome).toBe("failed");
      expect(history.records.get(2)?.failure?.class).toBe("migration-failed");
      expect(reporter.events.some((e) => e.type === "rolled-back")).toBe(true);
      expect(lock.held).toBe(false);
    });
  }

  it("a health failure abandons the new release and never switches", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget("health");
    const { result } = await run(target, history);
    expect(result.ok).toBe(false);
    expect(calls).toContain("abandon");
    expect(calls).not.toContain("switch");
    expect(calls).not.toContain("retire:1");
  });

  it("--no-rollback leaves the failed release alone", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget("health");
    const reporter = new CollectingReporter();
    const result = await deploy({
      model,
      target,
      history,
      lock: memoryLock(),
      reporter,
      specHash: "h",
      git: undefined,
      who: { user: "u", host: "h", pid: 1 },
      secrets: { names: [] },
      noRollback: true,
      waitForLock: true,
      lockTimeoutMs: 1000,
      keepReleases: 2,
    });
    expect(result.ok).toBe(false);
    expect(calls).not.toContain("abandon");
    expect(reporter.events.some((e) => e.type === "rolled-back")).toBe(false);
    expect(history.records.get(2)?.outcome).toBe("failed");
  });

  it("a failed switch switches back and abandons the new release", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget("switch", "switch-failed");
    const { result } = await run(target, history);
    expect(result).toMatchObject({ ok: false, serving: 1 });
    expect(calls).toContain("abandon");
    expect(calls).not.toContain("retire:1");
  });

  it("a rollback re-uses the old artifact and runs no migration or setup", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget();
    const { result } = await run(target, history, memoryLock(), 1);
    expect(result.ok).toBe(true);
    expect(calls).toContain("prepare:1");
    expect(calls).not.toContain("migrate");
    expect(calls).not.toContain("setup");
    expect(history.records.get(3)?.rollbackOf).toBe(1);
  });

  it("writes an in-progress record before it prepares anything", async () => {
    const history = memoryHistory();
    const { target } = fakeTarget();
    const original = target.prepare;
    let seen: ReleaseRecord | undefined;
    target.prepare = async (ctx) => {
      seen = await history.get(ctx.revision);
      return original(ctx);
    };
    await run(target, history);
    expect(seen?.outcome).toBe("in-progress");
  });

  it("SIGINT during the health gate: the wait stops, the new release is abandoned, recorded as interrupted, lock released", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget();
    const interrupt = new AbortController();
    // A health gate that never finishes on its own, and stops (as the real ones do) when ctx.signal aborts.
    target.healthGate = (ctx) => {
      calls.push("health");
      interrupt.abort("SIGINT");
      return new Promise((_resolve, reject) => {
        if (ctx.signal?.aborted) reject(new Error("stopped"));
      });
    };
    const { result, reporter, lock } = await run(target, history, memoryLock(), undefined, 2, interrupt.signal);
    expect(result).toMatchObject({ ok: false, revision: 2, serving: 1, interrupted: "SIGINT", failure: { class: "interrupted" } });
    expect(calls).toContain("abandon");
    expect(calls).not.toContain("switch");
    expect(history.records.get(2)?.outcome).toBe("interrupted");
    expect(history.records.get(1)?.outcome).toBe("succeeded");
    expect(reporter.events.some((e) => e.type === "rolled-back")).toBe(true);
    expect(lock.held).toBe(false);
  });

  it("SIGTERM after the switch: the new release stays, the drain is told to stop waiting, prune is skipped", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    const { target, calls } = fakeTarget();
    const interrupt = new AbortController();
    let retireSignal: AbortSignal | undefined;
    target.switchTo = async () => {
      calls.push("switch");
      interrupt.abort("SIGTERM");
    };
    target.retire = async (r, _reporter, signal) => {
      calls.push(`retire:${r.revision}`);
      retireSignal = signal;
    };
    const { result, lock } = await run(target, history, memoryLock(), undefined, 2, interrupt.signal);
    expect(result).toMatchObject({ ok: true, revision: 2, serving: 2, interrupted: "SIGTERM" });
    expect(calls).toContain("retire:1");
    expect(retireSignal?.aborted).toBe(true);
    expect(calls).not.toContain("abandon");
    expect(calls).not.toContain("switchBack");
    expect(calls.some((c) => c.startsWith("prune"))).toBe(false);
    expect(history.records.get(2)?.outcome).toBe("succeeded");
    expect(lock.held).toBe(false);
  });

  it("interrupted while waiting for the lock: nothing starts or is recorded", async () => {
    const { target, calls } = fakeTarget();
    const interrupt = new AbortController();
    const lock = memoryLock();
    lock.acquire = () => {
      interrupt.abort("SIGINT");
      return new Promise(() => undefined);
    };
    const history = memoryHistory();
    const { result } = await run(target, history, lock, undefined, 2, interrupt.signal);
    expect(result).toMatchObject({ ok: false, revision: 0, interrupted: "SIGINT" });
    expect(calls).toEqual([]);
    expect(history.records.size).toBe(0);
  });

  it("prunes old releases, keeping the newest successful ones", async () => {
    const history = memoryHistory();
    for (let i = 0; i < 4; i++) await run(fakeTarget().target, history);
    expect([...history.records.keys()].sort()).toEqual([3, 4]);
  });

  for (const keep of [0, -1, Number.NaN, 0.5, Number.NEGATIVE_INFINITY]) {
    it(`keepReleases ${keep} still keeps the serving release and its record (counts as 1)`, async () => {
      const history = memoryHistory();
      const pruned: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { target, calls } = fakeTarget();
        const { result } = await run(target, history, memoryLock(), undefined, keep);
        expect(result).toMatchObject({ ok: true, serving: i + 1 });
        for (const call of calls.filter((c) => c.startsWith("prune:") && c !== "prune:"))
          pruned.push(...call.slice(6).split(",").map(Number));
      }
      expect([...history.records.keys()]).toEqual([3]);
      expect(history.records.get(3)?.outcome).toBe("succeeded");
      expect(pruned.sort()).toEqual([1, 2]);
    });
  }

  it("failed deploys prune failed releases too, never the serving one", async () => {
    const history = memoryHistory();
    await run(fakeTarget().target, history);
    for (let i = 0; i < 4; i++) {
      const { result } = await run(fakeTarget("health").target, history);
      expect(result).toMatchObject({ ok: false, serving: 1 });
    }
    // keep 2: the serving release and the two newest failures.
    expect([...history.records.keys()].sort()).toEqual([1, 4, 5]);
  });

  it("a rollback keeps the release whose artifact it re-deployed, whatever keepReleases says", async () => {
    const history = memoryHistory();
    for (let i = 0; i < 3; i++) await run(fakeTarget().target, history, memoryLock(), undefined, 10);
    const { target, calls } = fakeTarget();
    const { result } = await run(target, history, memoryLock(), 1, 0);
    expect(result).toMatchObject({ ok: true, revision: 4, serving: 4 });
    expect(calls).toContain("prepare:1");
    expect(calls.at(-1)).toBe("prune:3,2");
    expect([...history.records.keys()].sort()).toEqual([1, 4]);
  });
});

describe("deploy engine redaction", () => {
  it("redacts every event and every history record with the deploy's redactor, including values a target adds on the way", async () => {
    const secret = 'A"b\nSECONDLINE';
    const learned = "learned-during-deploy";
    const redactor = new Redactor([secret]);
    const { target } = fakeTarget();
    target.healthGate = async (ctx) => {
      redactor.add([learned]);
      ctx.reporter.emit({ type: "log", phase: "health", stream: "stdout", line: `line ${learned}` });
      throw new DeployFailure({
        class: "process-exited",
        message: `crashed with ${JSON.stringify(secret)}`,
        evidence: { logTail: ['A"b', "SECONDLINE", Buffer.from(secret).toString("base64")], httpBody: encodeURIComponent(secret) },
      });
    };
    const reporter = new CollectingReporter();
    const history = memoryHistory();
    const result = await deploy({
      model,
      target,
      history,
      lock: memoryLock(),
      reporter,
      specHash: "h",
      git: undefined,
      who: { user: "u", host: "h", pid: 1 },
      secrets: { names: ["S"] },
      waitForLock: true,
      lockTimeoutMs: 1000,
      keepReleases: 2,
      redactor,
    });
    const everything = JSON.stringify([reporter.events, [...history.records.values()], result]);
    for (const leak of ["SECONDLINE", learned, Buffer.from(secret).toString("base64"), encodeURIComponent(secret), 'A\\\\\\"b\\\\nSECOND'])
      expect(everything).not.toContain(leak);
    expect(history.records.get(1)?.failure?.evidence.logTail).toEqual(['A"b', "[redacted]", "[redacted]"]);
    expect(result.failure?.message).toBe('crashed with "[redacted]"');
  });
});
