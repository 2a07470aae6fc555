/*
 * Hostile and random input through the built CLI, each run a separate process held to a memory and
 * time bound: peak RSS ≤ 256 MB (the kernel's VmHWM, written at exit by a preloaded probe) and
 * ≤ 5 s for inputs of at most 1 MiB (a generous safety bound, not a benchmark; a run is killed at
 * 30 s so a hang fails instead of stalling CI). Bad input must end in exit 2 with a code and a
 * location (`check` reports a located finding instead), never exit 70 or a stack trace.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { repoRoot } from "../../helpers/examples.js";

const bin = join(repoRoot, "dist/bundle/bin.js");
const probe = pathToFileURL(join(repoRoot, "test/helpers/peak-rss.mjs")).href;
const dir = mkdtempSync(join(tmpdir(), "slipway-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const maxRssKb = 256 * 1024;
const maxSeconds = 5;
const killAfterMs = 30_000;
const runs = Number(process.env.SLIPWAY_FUZZ_RUNS ?? 6);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssKb: number;
}

let serial = 0;
function slipway(args: string[]): Promise<Run> {
  const peakFile = join(dir, `peak-${serial++}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", probe, bin, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, SLIPWAY_TEST_PEAK_RSS_FILE: peakFile, SLIPWAY_TODAY: "2026-06-01" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      let peakRssKb = Number.POSITIVE_INFINITY;
      try {
        peakRssKb = Number(readFileSync(peakFile, "utf8"));
      } catch {
        // killed before its exit handler ran
      }
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakRssKb });
    });
  });
}

function withinBounds(r: Run, what: string): void {
  expect(r.peakRssKb, `${what}: peak RSS ${r.peakRssKb} kB`).toBeLessThanOrEqual(maxRssKb);
  expect(r.seconds, `${what}: ${r.seconds.toFixed(1)} s`).toBeLessThanOrEqual(maxSeconds);
  expect(r.stderr, what).not.toMatch(/\n\s+at /);
  expect(r.stderr, what).not.toContain("INTERNAL");
  expect(r.code, `${what}\n${r.stderr.slice(0, 500)}`).not.toBe(70);
}

/** validate / render: exit 0 for a valid spec, else exit 2 with a code and a location. */
async function expectSpecOutcome(file: string, command: string[], what: string): Promise<Run> {
  const r = await slipway([...command, "-f", file]);
  withinBounds(r, what);
  if (r.code !== 0) {
    expect(r.code, `${what}\n${r.stderr.slice(0, 500)}`).toBe(2);
    expect(r.stderr, what).toMatch(/error\[[A-Z_]+\]/);
    expect(r.stderr, what).toMatch(/--> \S+/);
  }
  return r;
}

/**
 * check: exit 0 (nothing found), 1 (findings) or 2 (an input could not be parsed), always with its
 * JSON report; every unparseable input is reported at a line.
 */
async function expectCheckOutcome(file: string, what: string): Promise<Run> {
  const r = await slipway(["check", file, "--json"]);
  withinBounds(r, what);
  expect([0, 1, 2], `${what}\n${r.stderr.slice(0, 500)}`).toContain(r.code);
  const report = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  const findings = report.result.findings as { ruleId: string; line?: number }[];
  const unparseable = findings.filter((f) => f.ruleId === "SLW-GEN-001");
  for (const f of unparseable) expect(f.line, `${what}: ${JSON.stringify(f)}`).toBeGreaterThan(0);
  if (r.code === 2) expect(unparseable.length, what).toBeGreaterThan(0);
  return r;
}

function write(name: string, content: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const validSpec =
  "name: shop\napp:\n  image: ghcr.io/acme/shop:1.0.0\n  port: 3000\n  health: /up\nenvironments:\n  production:\n    target: kubernetes\n";

describe("hostile files through the built CLI (issue 13, item 4)", () => {
  it("validate -f a symlink to /dev/zero: exit 2 INPUT_NOT_A_FILE at once (9.3 GB RSS before)", async () => {
    const link = join(dir, "zero.yaml");
    symlinkSync("/dev/zero", link);
    const r = await slipway(["validate", "-f", link]);
    withinBounds(r, "validate /dev/zero");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[INPUT_NOT_A_FILE]");
    expect(r.stderr).toMatch(/--> \S*zero\.yaml/);
    const check = await slipway(["check", "/dev/zero"]);
    withinBounds(check, "check /dev/zero");
    expect(check.code).toBe(2);
    expect(check.stderr).toContain("[INPUT_NOT_A_FILE]");
  });
  it("validate -f and check a FIFO nobody writes to: exit 2 instead of hanging", async () => {
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    for (const args of [
      ["validate", "-f", fifo],
      ["check", fifo],
    ]) {
      const r = await slipway(args);
      withinBounds(r, args.join(" "));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("FIFO");
    }
  });
});

describe("fuzz: validate, render and check stay within bounds (issue 13)", () => {
  it("random bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 4096 }), async (bytes) => {
        const spec = write("random.yaml", bytes);
        await expectSpecOutcome(spec, ["validate"], "validate random bytes");
        await expectCheckOutcome(spec, "check random bytes");
      }),
      { numRuns: runs },
    );
  });

  it("random YAML documents, block and flow", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), async (value, flow) => {
        const text = flow ? JSON.stringify(value) : stringify(value);
        const spec = write("random-doc.yaml", text);
        await expectSpecOutcome(spec, ["render", "kubernetes"], "render random YAML");
        await expectCheckOutcome(spec, "check random YAML");
      }),
      { numRuns: runs },
    );
  });

  it("deep nesting: YAML flow and block, JSON, HCL, up to 1 MiB", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...shapes), fc.integer({ min: 200, max: 300_000 }), async (shape, depth) => {
        const nested = deepText(shape, depth);
        if (Buffer.byteLength(nested.text) > 1024 * 1024) return;
        const file = write(nested.name, nested.text);
        if (shape !== "hcl") {
          const r = await expectSpecOutcome(file, ["validate"], `validate ${shape} ${depth}`);
          if (depth > 300) expect(r.stderr, `${shape} ${depth}`).toContain("[INPUT_TOO_DEEP]");
        }
        await expectCheckOutcome(file, `check ${shape} ${depth}`);
      }),
      { numRuns: runs * 2 },
    );
  });

  it("huge key counts, up to 1 MiB", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("block", "flow", "json", "hcl", "tf-json"),
        fc.integer({ min: 5_000, max: 110_000 }),
        async (style, n) => {
          const keys = Array.from({ length: n }, (_, i) => `K${i.toString(36).toUpperCase()}`);
          if (style !== "hcl" && style !== "tf-json") {
            const env =
              style === "block"
                ? `  env:\n${keys.map((k) => `    ${k}: v`).join("\n")}\n`
                : `  env: {${keys.map((k) => `${k}: v`).join(", ")}}\n`;
            const text =
              style === "json" ? JSON.stringify(specObject(keys)) : validSpec.replace("  health: /up\n", `  health: /up\n${env}`);
            if (Buffer.byteLength(text) <= 1024 * 1024)
              await expectSpecOutcome(write("keys.yaml", text), ["render", "kubernetes"], `render ${n} ${style} keys`);
          }
          const manifest =
            style === "hcl"
              ? { name: "keys.tf", text: `locals {\n${keys.map((k) => `  ${k} = "v"`).join("\n")}\n}\n` }
              : style === "tf-json"
                ? { name: "keys.tf.json", text: JSON.stringify({ locals: Object.fromEntries(keys.map((k) => [k, "v"])) }, null, 1) }
                : style === "json"
                  ? { name: "keys.json", text: JSON.stringify(configMap(keys), null, 1) }
                  : style === "flow"
                    ? {
                        name: "keys.yaml",
                        text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {${keys.map((k) => `${k}: v`).join(", ")}}\n`,
                      }
                    : {
                        name: "keys.yaml",
                        text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n${keys.map((k) => `  ${k}: v`).join("\n")}\n`,
                      };
          if (Buffer.byteLength(manifest.text) <= 1024 * 1024)
            await expectCheckOutcome(write(manifest.name, manifest.text), `check ${n} ${style} keys`);
        },
      ),
      { numRuns: runs },
    );
  });
});

function specObject(keys: string[]) {
  return {
    name: "shop",
    app: { image: "ghcr.io/acme/shop:1.0.0", port: 3000, health: "/up", env: Object.fromEntries(keys.map((k) => [k, "v"])) },
    environments: { production: { target: "kubernetes" } },
  };
}

function configMap(keys: string[]) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: Object.fromEntries(keys.map((k) => [k, "v"])) };
}

const shapes = ["yaml-flow", "yaml-block-seq", "yaml-block-map", "json", "hcl"] as const;

function deepText(shape: (typeof shapes)[number], depth: number): { name: string; text: string } {
  switch (shape) {
    case "yaml-flow":
      return { name: "deep.yaml", text: `apiVersion: v1\nkind: ConfigMap\ndata: ${"[".repeat(depth)}${"]".repeat(depth)}\n` };
    case "yaml-block-seq":
      return { name: "deep.yaml", text: `apiVersion: v1\nkind: ConfigMap\ndata:\n  ${"- ".repeat(depth)}x\n` };
    case "yaml-block-map": {
      // Indentation grows with depth, so the deepest that fits in 1 MiB is about 1,400 levels.
      const lines = ["apiVersion: v1", "kind: ConfigMap", "data:"];
      for (let i = 1; i <= Math.min(depth, 1500); i++) lines.push(`${" ".repeat(i)}k:`);
      return { name: "deep.yaml", text: `${lines.join("\n")} x\n` };
    }
    case "json":
      return {
        name: "deep.json",
        text: `{\n"apiVersion": "v1",\n"kind": "ConfigMap",\n"data": ${"[".repeat(depth)}${"]".repeat(depth)}}\n`,
      };
    case "hcl":
      return { name: "deep.tf", text: `locals {\n  x = ${"[".repeat(depth)}${"]".repeat(depth)}\n}\n` };
  }
}
