/**
 * Podman and a registry for the image-build tests, all real and all on this machine:
 *   - podmanEnv(): the variables test/runtime/podman-env.sh prints (a containers.conf and a
 *     storage.conf under the test tool cache), or the reason Podman cannot be used, for skipIf;
 *   - busyboxBase(): a base image imported from the busybox-static root filesystem (no pull);
 *   - startRegistry(): go-containerregistry's registry on 127.0.0.1 on a free port, with a
 *     registries.conf that lets Podman push to it over plain HTTP; stop() ends it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toolPath } from "./tools.js";

const script = fileURLToPath(new URL("../runtime/podman-env.sh", import.meta.url));

export type PodmanEnv = { env: Record<string, string> } | { missing: string };

let cached: PodmanEnv | undefined;

/** The Podman variables, or `{missing}` with the reason (podman/runc not installed, or not working). */
export function podmanEnv(): PodmanEnv {
  if (cached !== undefined) return cached;
  const r = spawnSync("bash", [script], { encoding: "utf8" });
  if (r.status !== 0) {
    cached = { missing: (r.stderr || `podman-env.sh exited ${r.status}`).trim() };
    return cached;
  }
  const env: Record<string, string> = {};
  for (const line of r.stdout.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2];
  }
  const info = spawnSync("podman", ["info", "--format", "{{.Host.OCIRuntime.Name}}"], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  cached = info.status === 0 ? { env } : { missing: `podman info failed: ${(info.stderr || "").trim().split("\n").pop()}` };
  return cached;
}

/** Why image-build tests cannot run here (no podman, no registry/crane built), or undefined. */
export function imageTestsUnavailable(): string | undefined {
  const podman = podmanEnv();
  if ("missing" in podman) return podman.missing;
  if (toolPath("registry") === undefined || toolPath("crane") === undefined)
    return "registry/crane are not built: run `bash test/cluster/build.sh registry`";
  return undefined;
}

function podman(env: Record<string, string>, args: string[], input?: Buffer): string {
  const r = spawnSync("podman", args, { env: { ...process.env, ...env }, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/**
 * `localhost/slipway-test/busybox:<hash of the busybox binary>`: a root filesystem with the static
 * busybox and its applets as symlinks, imported once per busybox version (≈1 s, no registry).
 */
export function busyboxBase(env: Record<string, string>): string {
  const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p));
  if (busybox === undefined) throw new Error("busybox is not installed (apt-get install -y busybox-static)");
  const hash = createHash("sha256").update(readFileSync(busybox)).digest("hex").slice(0, 12);
  const ref = `localhost/slipway-test/busybox:${hash}`;
  if (spawnSync("podman", ["image", "exists", ref], { env: { ...process.env, ...env } }).status === 0) return ref;
  const root = mkdtempSync(join(tmpdir(), "slipway-busybox-"));
  try {
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "tmp"));
    mkdirSync(join(root, "etc"));
    cpSync(busybox, join(root, "bin", "busybox"));
    const applets = spawnSync(busybox, ["--list"], { encoding: "utf8" }).stdout.split("\n");
    // Not `busybox` itself: linking it would overwrite the binary with a link to itself.
    for (const applet of applets) if (applet !== "" && applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
    writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    const tar = spawnSync("tar", ["-C", root, "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-cf", "-", "."], {
      maxBuffer: 64 * 1024 * 1024,
    });
    if (tar.status !== 0) throw new Error(`tar of the busybox root failed: ${tar.stderr}`);
    podman(env, ["import", "-", ref], tar.stdout);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return ref;
}

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** Podman's view: this registry may be reached over HTTP (CONTAINERS_REGISTRIES_CONF). */
  env: Record<string, string>;
  /** `crane digest` of a reference on this registry. */
  digest(ref: string): string;
  stop(): Promise<void>;
}

/** Starts the registry (in-memory) on a free loopback port and waits until it serves. */
export async function startRegistry(): Promise<TestRegistry> {
  const registry = toolPath("registry");
  const crane = toolPath("crane");
  if (registry === undefined || crane === undefined)
    throw new Error("registry/crane are not built: run `bash test/cluster/build.sh registry`");
  const child: ChildProcess = spawn(registry, ["-port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`registry did not report its port: ${text}`)), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const m = /serving on port (\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`registry exited (${code}): ${text}`)));
  });
  child.stderr?.resume();
  const host = `127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "slipway-registry-"));
  const conf = join(dir, "registries.conf");
  writeFileSync(conf, `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  return {
    host,
    env: { CONTAINERS_REGISTRIES_CONF: conf },
    digest(ref) {
      const r = spawnSync(crane, ["digest", "--insecure", ref], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`crane digest ${ref} failed: ${r.stderr}`);
      return r.stdout.trim();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
