import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { examplesDir, repoRoot } from "../../helpers/examples.js";

// Issue 13 item 15: an old Node and a full or read-only disk end in a clear error, never a stack trace.
const bin = join(repoRoot, "dist/bundle/bin.js");
const stackTrace = /\n\s+at |SyntaxError|node:internal/;

function slipway(args: string[], options: { node?: string; stdout?: number | "pipe" } = {}) {
  const result = spawnSync(options.node ?? process.execPath, [bin, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root" },
    stdio: ["ignore", options.stdout ?? "pipe", "pipe"],
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** A Node.js older than 22.12 on this machine (the system one here is 20), or why there is none. */
function oldNode(): { path: string } | { missing: string } {
  for (const path of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
    const [major = 0, minor = 0] = version.split(".").map(Number);
    if (major < 22 || (major === 22 && minor < 12)) return { path };
  }
  return { missing: "no Node.js older than 22.12 at /usr/bin/node or /usr/local/bin/node" };
}

describe("on a Node.js older than 22.12", () => {
  const node = oldNode();
  // Skipped only where no old Node is installed; the reason is the test's name.
  it.skipIf("missing" in node)(
    `exits 2 with NODE_UNSUPPORTED and no stack trace${"missing" in node ? ` (skipped: ${node.missing})` : ""}`,
    () => {
      const path = (node as { path: string }).path;
      const r = slipway(["--version"], { node: path });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error\[NODE_UNSUPPORTED\]: slipway needs Node\.js 22\.12 or newer; this is Node\.js \d+\.\d+\.\d+/);
      expect(r.stderr).toContain("hint: Install a current Node.js LTS");
      expect(r.stderr).not.toMatch(stackTrace);
      expect(r.stdout).toBe("");
      const json = slipway(["validate", "--json"], { node: path });
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: "NODE_UNSUPPORTED" } });
    },
  );

  it("the Node that runs the tests (≥ 22.12) gets past the check", () => {
    expect(slipway(["--version"]).code).toBe(0);
  });
});

describe("a full or read-only disk", () => {
  const spec = join(examplesDir, "node-postgres", "slipway.yaml");

  it.skipIf(!existsSync("/dev/full"))("output to a full device: FS_NO_SPACE on stderr, exit 1", () => {
    const full = openSync("/dev/full", "w");
    try {
      const r = slipway(["render", "kubernetes", "-f", spec, "-e", "staging", "--tag", "1.0.0"], { stdout: full });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("error[FS_NO_SPACE]: cannot write standard output: no space left on the device (ENOSPC, write)");
      expect(r.stderr).toContain("hint: ");
      expect(r.stderr).not.toMatch(stackTrace);
    } finally {
      closeSync(full);
    }
  });

  // A small tmpfs needs root (these sessions and CI's container run as root); otherwise skipped with the reason.
  let mount: string | undefined;
  let mountFailed = "not tried";
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-tmpfs-"));
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { encoding: "utf8" });
    if (r.status === 0) mount = dir;
    else {
      mountFailed = (r.stderr || r.error?.message || `exit ${r.status}`).trim();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  afterAll(() => {
    if (!mount) return;
    spawnSync("umount", [mount]);
    rmSync(mount, { recursive: true, force: true });
  });
  const needsMount = (name: string, test: (dir: string) => void) =>
    it(name, (ctx) => {
      if (!mount) return ctx.skip(`mount -t tmpfs failed: ${mountFailed}`);
      test(mount);
    });

  needsMount("a project on a full disk: FS_NO_SPACE, exit 1 (was exit 70 'unexpected error')", (dir) => {
    spawnSync("mount", ["-o", "remount,rw", dir]);
    rmSync(join(dir, ".slipway"), { recursive: true, force: true });
    copyFileSync(spec, join(dir, "slipway.yaml"));
    try {
      writeFileSync(join(dir, "filler"), Buffer.alloc(128 * 1024));
    } catch {
      // Filled up to the last byte: what the test wants.
    }
    const r = slipway(["history", "-e", "local", "-f", join(dir, "slipway.yaml")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error\[FS_NO_SPACE\]: cannot write .*no space left on the device \(ENOSPC/);
    expect(r.stderr).not.toMatch(stackTrace);
    rmSync(join(dir, "filler"));
  });

  needsMount("a project on a read-only file system: FS_READ_ONLY with the folder, exit 1", (dir) => {
    rmSync(join(dir, ".slipway"), { recursive: true, force: true });
    copyFileSync(spec, join(dir, "slipway.yaml"));
    expect(spawnSync("mount", ["-o", "remount,ro", dir]).status).toBe(0);
    try {
      const r = slipway(["history", "-e", "local", "-f", join(dir, "slipway.yaml"), "--json"]);
      expect(r.code, r.stdout).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({
        ok: false,
        error: { code: "FS_READ_ONLY", location: { file: join(dir, ".slipway") }, hint: expect.stringContaining("writable") },
      });
    } finally {
      spawnSync("mount", ["-o", "remount,rw", dir]);
    }
  });
});
