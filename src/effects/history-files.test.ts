import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../model/release-record.js";
import { fileHistory, type InvalidRecord } from "./history-files.js";

const record = (revision: number): ReleaseRecord => ({
  revision,
  app: "web",
  environment: "local",
  target: "local",
  specHash: "sha256:0",
  artifact: { kind: "local-snapshot", digest: "sha256:1", path: "/x" },
  git: undefined,
  who: { user: "u", host: "h", pid: 1 },
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:01.000Z",
  phases: [],
  outcome: "succeeded",
  rollbackOf: undefined,
  failure: undefined,
  secrets: { names: [], hash: "" },
  runtime: { instances: [] },
});

describe("fileHistory on a real folder", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-history-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("skips and reports records that are null, empty, torn, of another shape or under another revision's name", async () => {
    const skipped: InvalidRecord[] = [];
    const history = fileHistory(dir, { onInvalid: (i) => skipped.push(i) });
    await history.put(record(1));
    const broken: Record<string, string> = {
      "000002.json": "null\n",
      "000003.json": "",
      "000004.json": '{"revision": 4, "outco',
      "000005.json": '{"revision": 5, "outcome": "succeeded"}',
      "000006.json": JSON.stringify({ ...record(6), runtime: null }),
      "000007.json": JSON.stringify(record(1)),
      "000008.json": JSON.stringify({ ...record(8), artifact: { kind: "image" } }),
    };
    for (const [name, text] of Object.entries(broken)) await writeFile(join(dir, name), text);
    expect((await history.list()).map((r) => r.revision)).toEqual([1]);
    expect(skipped.map((s) => s.file)).toEqual(Object.keys(broken).map((name) => join(dir, name)));
    expect(skipped[0]?.problem).toContain("null");
    expect(skipped[5]?.problem).toContain("revision 1, not 7");
    expect(await history.get(2)).toBeUndefined();
    // A skipped record's revision is never handed out again.
    expect(await history.nextRevision()).toBe(9);
  });

  it("writes records 0600 through a temporary file that does not stay behind", async () => {
    const history = fileHistory(dir);
    await history.put(record(1));
    await history.put({ ...record(1), outcome: "failed" });
    expect(await readdir(dir)).toEqual(["000001.json"]);
    expect((await stat(join(dir, "000001.json"))).mode & 0o777).toBe(0o600);
    expect((await history.get(1))?.outcome).toBe("failed");
  });
});
