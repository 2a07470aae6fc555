/**
 * Helpers for tests on the real node (start.sh --real-node): images without a registry service of
 * their own (a busybox-static root filesystem written by oci-image.sh into the folder the node's
 * registry serves), and namespaces whose pods all land on the real node.
 */
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RealNode } from "./cluster.js";

const OCI_IMAGE_SH = fileURLToPath(new URL("./oci-image.sh", import.meta.url));
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

/** Writes `rootfs` as image `ref` (slipway.test/NAME:TAG) into the node's registry; resolves to its digest. */
export function pushImage(node: RealNode, ref: string, rootfs: string, entrypoint: readonly string[], user = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [OCI_IMAGE_SH, rootfs, ref, node.registryDir, JSON.stringify(entrypoint), user],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`oci-image.sh ${ref} failed: ${stderr || error.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}
