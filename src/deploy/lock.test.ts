import { describe, expect, it } from "vitest";
import { isHolderDead, type LockHolder } from "./lock.js";

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
