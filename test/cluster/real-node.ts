/**
 * Helpers for tests on the real node (start.sh --real-node): images without an image builder (a
 * busybox-static root filesystem made into an image archive by image-tar.sh and pushed with crane
 * to the node's registry, go-containerregistry's), namespaces whose pods all land on the real node,
 * and a client pod there that reaches Services at their ClusterIP (kube-proxy runs on the node).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireTool } from "../helpers/tools.js";
import type { RealNode } from "./cluster.js";
import { kubectl, kubectlOk } from "./kube.js";

const IMAGE_TAR_SH = fileURLToPath(new URL("./image-tar.sh", import.meta.url));
/** Debian's busybox-static installs a static /bin/busybox (the dynamic one would need its libc). */
const BUSYBOX = "/bin/busybox";
const APPLETS = ["sh", "httpd", "echo", "cat", "sleep", "ls", "id", "env", "head", "sort", "tr", "touch", "wget", "grep", "timeout"];

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

/** A pod on the real node that reaches the cluster's Services the way other pods do (kube-proxy's rules). */
export interface ClientPod {
  readonly name: string;
  /**
   * GET `url` from inside the pod (busybox wget): the HTTP status (0 when nothing answered) and the
   * body. `host`: the Host header to send instead of the URL's (e.g. the Service's DNS name).
   */
  get(url: string, host?: string): Promise<{ status: number; body: string }>;
}

/**
 * Starts a busybox-static pod in `namespace` (restricted Pod Security: non-root, read-only root,
 * no capabilities) on the real node and waits until it runs. Its image is pushed once per busybox
 * binary (the tag is the binary's hash).
 */
export async function startClientPod(kubeconfig: string, node: RealNode, namespace: string): Promise<ClientPod> {
  const tag = createHash("sha256").update(readFileSync(BUSYBOX)).digest("hex").slice(0, 12);
  const image = `slipway.test/test-client:${tag}`;
  const root = busyboxRoot();
  try {
    // PID 1 is a shell that exits on SIGTERM, so deleting the pod does not wait its grace period out.
    await pushImage(node, image, root.dir, ["/bin/sh", "-c", 'trap "exit 0" TERM; sleep 86400 & wait'], "65534");
  } finally {
    root.cleanup();
  }
  const name = "slipway-test-client";
  await kubectlOk(kubeconfig, ["-n", namespace, "create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { "slipway.test/client": "true" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "client",
            image,
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          },
        ],
      },
    }),
  });
  await kubectlOk(kubeconfig, ["-n", namespace, "wait", "--for=condition=Ready", `pod/${name}`, "--timeout=180s"], { timeoutMs: 200_000 });
  return {
    name,
    async get(url, host) {
      // busybox wget: -S prints the status line on stderr, a status of 400+ exits 1 with it too.
      // (`timeout`, not wget's -T: the static busybox 1.35 wget crashes with -T.)
      const header = host === undefined ? [] : ["--header", `Host: ${host}`];
      const r = await kubectl(kubeconfig, [
        "-n",
        namespace,
        "exec",
        name,
        "--",
        "timeout",
        "20",
        "wget",
        "-q",
        "-S",
        ...header,
        "-O",
        "-",
        url,
      ]);
      const statuses = [...r.stderr.matchAll(/HTTP\/1\.[01] (\d{3})/g)];
      return { status: Number(statuses.at(-1)?.[1] ?? 0), body: r.stdout };
    },
  };
}

/** `http://CLUSTER-IP:PORT` of a Service (its first port), as the node's pods reach it. */
export async function serviceUrl(kubeconfig: string, namespace: string, service: string): Promise<string> {
  const svc = JSON.parse(await kubectlOk(kubeconfig, ["-n", namespace, "get", "service", service, "-o", "json"])) as {
    spec: { clusterIP: string; ports: { port: number }[] };
  };
  const port = svc.spec.ports[0]?.port;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(svc.spec.clusterIP) || port === undefined)
    throw new Error(`service ${service} has no ClusterIP and port`);
  return `http://${svc.spec.clusterIP}:${port}`;
}
