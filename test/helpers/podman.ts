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
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot, requireTool, toolPath } from "./tools.js";

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

/**
 * `localhost/slipway-test/caddy:<hash>`: the host target's proxy image for the tests, the static Caddy
 * that `bash test/cluster/build.sh caddy` builds from the Go module proxy at /usr/bin/caddy on the
 * busybox base (where the official image has it; no registry here). Built once per Caddy binary.
 */
export function caddyImage(env: Record<string, string>): string {
  const caddy = requireTool("caddy");
  const hash = createHash("sha256").update(readFileSync(caddy)).digest("hex").slice(0, 12);
  const ref = `localhost/slipway-test/caddy:${hash}`;
  if (spawnSync("podman", ["image", "exists", ref], { env: { ...process.env, ...env } }).status === 0) return ref;
  const context = mkdtempSync(join(tmpdir(), "slipway-caddy-image-"));
  try {
    cpSync(caddy, join(context, "caddy"));
    writeFileSync(join(context, "Containerfile"), `FROM ${busyboxBase(env)}\nCOPY caddy /usr/bin/caddy\n`);
    podman(env, ["build", "--quiet", "--network", "none", "-t", ref, context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return ref;
}

/**
 * `localhost/slipway-test/debian-<key>`: Debian bookworm (`mmdebstrap --variant=minbase`) with
 * `packages` from Debian's mirror, for builds that need a real language runtime (nodejs, python3).
 * The root filesystem tar is cached under the test tool cache, keyed by what goes into it (suite,
 * variant, packages), so it is made once (minutes) and imported in seconds after that. Needs root
 * and mmdebstrap; returns `{missing}` with the reason otherwise.
 */
export function debianBase(env: Record<string, string>, packages: readonly string[]): { ref: string } | { missing: string } {
  const list = [...packages].sort();
  const key = createHash("sha256")
    .update(`bookworm minbase ${list.join(",")}`)
    .digest("hex")
    .slice(0, 12);
  const ref = `localhost/slipway-test/debian-${key}:bookworm`;
  if (spawnSync("podman", ["image", "exists", ref], { env: { ...process.env, ...env } }).status === 0) return { ref };
  const dir = join(cacheRoot(), "podman", "bases");
  const tar = join(dir, `debian-bookworm-minbase-${key}.tar`);
  if (!existsSync(tar)) {
    if (spawnSync("mmdebstrap", ["--version"]).status !== 0)
      return { missing: "mmdebstrap is not installed (apt-get install -y mmdebstrap)" };
    if (process.getuid?.() !== 0) return { missing: "mmdebstrap --mode=root needs root" };
    mkdirSync(dir, { recursive: true });
    const partial = `${tar}.partial-${process.pid}`;
    const r = spawnSync(
      "mmdebstrap",
      [
        "--variant=minbase",
        "--format=tar",
        `--include=${list.join(",")}`,
        "--mode=root",
        "bookworm",
        partial,
        "http://deb.debian.org/debian",
      ],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0) {
      rmSync(partial, { force: true });
      return { missing: `mmdebstrap failed (${r.status}): ${(r.stderr || "").trim().split("\n").slice(-3).join(" / ")}` };
    }
    renameSync(partial, tar);
  }
  const imported = spawnSync("podman", ["import", tar, ref], { env: { ...process.env, ...env }, encoding: "utf8" });
  if (imported.status !== 0) return { missing: `podman import ${tar} failed: ${imported.stderr}` };
  return { ref };
}

/**
 * `base` trusting what this machine's Node trusts: where HTTPS goes through an intercepting proxy,
 * NODE_EXTRA_CA_CERTS names its CA, and a build's `npm ci` needs it too (as a company's own base
 * image would carry it). Without NODE_EXTRA_CA_CERTS, `base` itself.
 */
export function withHostTrust(env: Record<string, string>, base: string): string {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca === undefined || ca === "" || !existsSync(ca)) return base;
  const bytes = readFileSync(ca);
  const ref = `${base.replace(/:[^:/]+$/, "")}-trust:${createHash("sha256").update(base).update(bytes).digest("hex").slice(0, 12)}`;
  if (spawnSync("podman", ["image", "exists", ref], { env: { ...process.env, ...env } }).status === 0) return ref;
  const dir = mkdtempSync(join(tmpdir(), "slipway-trust-"));
  try {
    writeFileSync(join(dir, "host-ca.crt"), bytes);
    writeFileSync(
      join(dir, "Dockerfile"),
      `FROM ${base}\nCOPY host-ca.crt /usr/local/share/slipway-test/host-ca.crt\nENV NODE_EXTRA_CA_CERTS=/usr/local/share/slipway-test/host-ca.crt\n`,
    );
    podman(env, ["build", "--tag", ref, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
