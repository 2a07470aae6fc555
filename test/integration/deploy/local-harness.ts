import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { examplesDir, repoRoot } from "../../helpers/examples.js";
import { cacheRoot } from "../../helpers/tools.js";

/** The built CLI, run as a separate process the way users run it. */
export const bin = join(repoRoot, "dist/bundle/bin.js");

/** The pinned pg_dump/pg_restore (`bash test/cluster/build.sh pg-client`) for SLIPWAY_PG_BINDIR, when the test tool cache has it. */
export function pgClientDir(): string | undefined {
  const versions = readFileSync(join(repoRoot, "test/cluster/versions.env"), "utf8");
  const version = /^PG_CLIENT_WHEEL_VERSION=(.+)$/m.exec(versions)?.[1]?.trim();
  const dir = join(cacheRoot(), `pg-client-${version}`);
  return existsSync(join(dir, ".complete")) ? join(dir, "pgbin") : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Workspace {
  dir: string;
  port: number;
  url: string;
  edit(file: string, change: (text: string) => string): void;
  cleanup(): Promise<void>;
}

/** A private copy of examples/node-postgres on its own proxy port, so tests never share state. */
export async function workspace(name: string): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${name}-`));
  // mkdtemp makes 0700 folders; PostgreSQL runs as its own user and must reach .slipway/ inside.
  chmodSync(dir, 0o755);
  cpSync(join(examplesDir, "node-postgres"), dir, {
    recursive: true,
    filter: (src) => !src.includes("node_modules") && !src.includes(".slipway"),
  });
  const port = await freePort();
  const edit = (file: string, change: (text: string) => string) => {
    const path = join(dir, file);
    writeFileSync(path, change(readFileSync(path, "utf8")));
  };
  edit("slipway.yaml", (t) => t.replace("port: 4000", `port: ${port}`).replace("--no-fund]", "--no-fund, --prefer-offline]"));
  return {
    dir,
    port,
    url: `http://127.0.0.1:${port}/`,
    edit,
    async cleanup() {
      await slipway(dir, ["down", "-e", "local", "--json"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
  final: { ok: boolean; result?: Record<string, unknown>; error?: Record<string, unknown> } | undefined;
}

export function parseRun(code: number | null, stdout: string, stderr: string): Run {
  const lines = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const final = lines.findLast((l) => "ok" in l) as Run["final"];
  return { code, stdout, stderr, events: lines.filter((l) => "type" in l), final };
}

/** Runs slipway to completion in `dir`. */
export function slipway(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = start(dir, args, env);
  return finished(child);
}

export function start(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { out: { stdout: string; stderr: string }; closed?: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }) as ChildProcess & { out: { stdout: string; stderr: string } };
  child.out = { stdout: "", stderr: "" };
  // Listened for from the start: a process that ends before finished() is called must not be missed.
  (child as { closed?: Promise<number | null> }).closed = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  child.stdout?.on("data", (d: Buffer) => {
    child.out.stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    child.out.stderr += d.toString();
  });
  return child;
}

export async function finished(
  child: ChildProcess & { out: { stdout: string; stderr: string }; closed?: Promise<number | null> },
): Promise<Run> {
  const code = await (child.closed ?? new Promise<number | null>((resolve) => child.on("close", resolve)));
  return parseRun(code, child.out.stdout, child.out.stderr);
}

/** GET with a timeout; never throws (status 0 = no answer). */
export async function get(url: string, timeoutMs = 3_000): Promise<{ status: number; body: string; revision: string | null }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text(), revision: response.headers.get("x-slipway-revision") };
  } catch {
    return { status: 0, body: "", revision: null };
  }
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Text of every file under a folder (skipping dependencies and database files), for canary scans. */
export function readAll(dir: string, skip: (name: string) => boolean = () => false): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (skip(entry.name)) continue;
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "postgres") walk(path);
      } else if (entry.isFile()) out.push(`${path}\n${readFileSync(path, "utf8")}`);
    }
  };
  walk(dir);
  return out.join("\n");
}

/** Whether a process is gone: no such pid, or a zombie nobody has reaped yet (it runs nothing). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "");
  } catch {
    return true;
  }
}
