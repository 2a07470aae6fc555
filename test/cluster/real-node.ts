/**
 * Helpers for tests on the real node (start.sh --real-node): images without an image builder (a
 * busybox-static root filesystem made into an image archive by image-tar.sh and pushed with crane
 * to the node's registry, go-containerregistry's), and namespaces whose pods all land on the real node.
 */
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireTool } from "../helpers/tools.js";
import type { RealNode } from "./cluster.js";

const IMAGE_TAR_SH = fileURLToPath(new URL("./image-tar.sh", import.meta.url));
/** Debian's busybox-static installs a static /bin/busybox (the dynamic one would need its libc). */
const BUSYBOX = "/bin/busybox";
const APPLETS = ["sh", "httpd", "echo", "cat", "sleep", "ls", "id", "env", "head", "sort", "tr", "touch", "wget", "grep"];

/** Annotations that put every pod of a namespace on the real node (PodNodeSelector, PodTolerationRestriction). */
export function realNodeAnnotations(node: RealNode): Record<string, string> {
  return {
    "scheduler.alpha.kubernetes.io/node-selector": `${node.label}=true`,
    "scheduler.alpha.kubernetes.io/defaultTolerations": JSON.stringify([{ key: node.label, operator: "Exists", effect: "NoSchedule" }]),
  };
}

/** A busybox-static root filesystem: /bin with the applets, /www (httpd's documents), /tmp. */
export function busyboxRoot(files: Readonly<Record<string, string>> = {}): { dir: string; cleanup(): void } {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing (Debian: busybox-static)`);
  const dir = mkdtempSync(join(tmpdir(), "slipway-rootfs-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync(BUSYBOX, join(dir, "bin", "busybox"));
  chmodSync(join(dir, "bin", "busybox"), 0o755);
  for (const applet of APPLETS) symlinkSync("busybox", join(dir, "bin", applet));
  for (const d of ["www", "tmp", "etc"]) mkdirSync(join(dir, d));
  chmodSync(join(dir, "tmp"), 0o1777);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Pushes `rootfs` as image `ref` (slipway.test/NAME:TAG) to the node's registry, which containerd
 * reaches as slipway.test; resolves to the manifest digest the registry reports (crane push).
 */
export async function pushImage(node: RealNode, ref: string, rootfs: string, entrypoint: readonly string[], user = ""): Promise<string> {
  const m = /^slipway\.test\/(.+:[A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(ref);
  if (m?.[1] === undefined) throw new Error(`${ref} is not slipway.test/NAME:TAG`);
  const dir = mkdtempSync(join(tmpdir(), "slipway-image-"));
  try {
    const tar = join(dir, "image.tar");
    await run("bash", [IMAGE_TAR_SH, rootfs, ref, tar, JSON.stringify(entrypoint), user]);
    const pushed = (await run(requireTool("crane"), ["push", "--insecure", tar, `${node.registry}/${m[1]}`])).trim();
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(pushed)?.[1];
    if (digest === undefined) throw new Error(`crane push ${ref} printed no digest: ${pushed}`);
    return digest;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
