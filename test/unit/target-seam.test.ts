import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/context.js";
import { main } from "../../src/cli/main.js";
import { colorsFor } from "../../src/output/colors.js";
import { driverRegistry } from "../../src/targets/index.js";
import { memoryTarget } from "../fixtures/memory-target/driver.js";

// The target seam: a driver the CLI does not know by name (an in-memory one, registered in a
// registry of the test's own) runs through the CLI's unchanged command code. The spec names the
// `local` target type; the test registry serves it with the memory driver.

const spec = `name: shop
app:
  image: registry.example.com/shop
  port: 5000
  health: /up
environments:
  local: { target: local }
`;

const dir = mkdtempSync(join(tmpdir(), "slipway-seam-"));
writeFileSync(join(dir, "slipway.yaml"), spec);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const memory = memoryTarget();
const drivers = driverRegistry({ local: async () => memory.driver });

async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]) as unknown as CliContext["stdin"],
    env: {},
    cwd: dir,
    sources: new Map(),
    colors: colorsFor({ isTTY: false }, {}),
    json: false,
    drivers,
  };
  const code = await main(argv, ctx);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return { code, stdout, stderr, last: last.startsWith("{") ? (JSON.parse(last) as Record<string, unknown>) : undefined };
}

describe("a target driver registered in the registry, run through the CLI", () => {
  it("deploys: the engine runs the session's target with the session's history and lock; the CLI adds spec hash, options and output", async () => {
    const run = await cli(["deploy", "-e", "local", "--health-timeout", "7", "--json"]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.last).toMatchObject({ ok: true, result: { ok: true, revision: 1, url: "http://memory.invalid/", serving: 1 } });
    // No `renders` capability: the preflight has nothing to check.
    expect(run.stdout).toContain('"phase-skipped"');
    expect(memory.calls).toEqual(
      expect.arrayContaining(["open:deploy", "recover", "prepare", "start:1", "healthGate", "switchTo:1", "close"]),
    );
    expect(memory.deployRequests.at(-1)).toMatchObject({ healthTimeoutMs: 7000, forceConflicts: false });
    const record = memory.records.get(1);
    expect(record).toMatchObject({
      outcome: "succeeded",
      target: "memory",
      artifact: { kind: "image", ref: "registry.example.com/shop:memory" },
    });
    expect(record?.specHash).toBe(`sha256:${createHash("sha256").update(spec).digest("hex")}`);
  });

  it("keeps the session's default number of releases when --keep is not given", async () => {
    for (let i = 0; i < 3; i++) expect((await cli(["deploy", "-e", "local", "--json"])).code).toBe(0);
    // keepReleases 2 from the session: revisions 1 and 2 go once 4 serves.
    expect(memory.calls.filter((c) => c.startsWith("prune:"))).toContain("prune:1");
  });

  it("status: the session's data is the --json result, its lines the human output", async () => {
    const json = await cli(["status", "-e", "local", "--json"]);
    expect(json.last).toEqual({ ok: true, result: { app: "shop", environment: "local", serving: 4 } });
    const human = await cli(["status", "-e", "local"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe("shop → local serving revision 4 from memory\n");
  });

  it("history lists the session's records, newest first", async () => {
    const run = await cli(["history", "-e", "local", "--json"]);
    const releases = (run.last?.result as { releases: { revision: number }[] } | undefined)?.releases ?? [];
    expect(releases.length).toBeGreaterThan(0);
    expect(releases.map((r) => r.revision)).toEqual([...memory.records.keys()].sort((a, b) => b - a));
  });

  it("logs: lines with the session's fields, the summary's fields around them, notes on stderr", async () => {
    const json = await cli(["logs", "-e", "local", "--json", "--lines", "1"]);
    expect(json.last).toEqual({ ok: true, result: { environment: "local", lines: [{ where: "memory", line: "second line" }] } });
    const human = await cli(["logs", "-e", "local"]);
    expect(human.stdout).toBe("memory │ first line\nmemory │ second line\n");
    expect(human.stderr).toBe("logs kept in memory\n");
  });

  it("exec exits with the session's exit code; unlock frees the session's lock", async () => {
    expect((await cli(["exec", "-e", "local", "--", "true"])).code).toBe(0);
    expect((await cli(["exec", "-e", "local", "--", "false"])).code).toBe(1);
    expect((await cli(["unlock", "-e", "local", "--force", "--json"])).last).toEqual({ ok: true, result: { removed: null } });
  });

  it("a command the driver has no capability for is refused with a located error, before any session opens", async () => {
    for (const command of ["down", "dev", "diff"]) {
      const before = memory.calls.length;
      const run = await cli([command, "-e", "local"]);
      expect(run.code, command).toBe(2);
      expect(run.stderr, command).toContain("DEPLOY_TARGET_UNSUPPORTED");
      expect(memory.calls.slice(before)).toEqual([]);
    }
  });
});
