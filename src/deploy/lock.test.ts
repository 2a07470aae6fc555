import { describe, expect, it } from "vitest";
import { isHolderDead, type LockHolder, parseLockHolder } from "./lock.js";

const holder = (host: string, heartbeatAt: string): LockHolder => ({
  pid: 42,
  host,
  user: "u",
  command: "deploy",
  acquiredAt: heartbeatAt,
  heartbeatAt,
});

describe("isHolderDead", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  it("on the same host, asks whether the process is alive", () => {
    expect(isHolderDead(holder("h", now.toISOString()), now, "h", () => false, 30_000)).toBe(true);
    expect(isHolderDead(holder("h", "2000-01-01T00:00:00Z"), now, "h", () => true, 30_000)).toBe(false);
  });
  it("on another host, trusts the heartbeat", () => {
    expect(isHolderDead(holder("other", "2026-11-25T11:59:50Z"), now, "h", () => false, 30_000)).toBe(false);
    expect(isHolderDead(holder("other", "2026-11-25T11:59:00Z"), now, "h", () => true, 30_000)).toBe(true);
  });
});

describe("parseLockHolder", () => {
  const good = { pid: 7, host: "h", user: "u", command: "deploy", acquiredAt: "2026-01-01T00:00:00Z", heartbeatAt: "2026-01-01T00:00:00Z" };
  it("reads a holder", () => {
    expect(parseLockHolder(JSON.stringify(good))).toEqual(good);
    expect(parseLockHolder(JSON.stringify({ ...good, token: "t", startTime: "12" }))).toMatchObject({ token: "t", startTime: "12" });
  });
  it("refuses an empty, torn, null or wrongly shaped file", () => {
    for (const text of [
      "",
      '{"pid": 7, "ho',
      "null",
      "[]",
      "42",
      JSON.stringify({ ...good, pid: "7" }),
      JSON.stringify({ ...good, pid: 0 }),
    ])
      expect(parseLockHolder(text), text).toBeUndefined();
    expect(parseLockHolder(JSON.stringify({ ...good, heartbeatAt: "soon" }))).toBeUndefined();
  });
});

describe("isHolderDead with a start time", () => {
  it("a recycled pid (same pid, another start time) is dead", () => {
    const now = new Date();
    const h = { ...holder("h", now.toISOString()), startTime: "100" };
    expect(isHolderDead(h, now, "h", (_pid, startTime) => startTime === "100", 30_000)).toBe(false);
    expect(isHolderDead(h, now, "h", (_pid, startTime) => startTime === "999", 30_000)).toBe(true);
  });
});
