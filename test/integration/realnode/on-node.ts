/**
 * One procedure for proving an app on the real node (issue 20), shared by the example and corpus
 * tests: `slipway build --push` with Podman to the node's registry, `slipway deploy --digest` into a
 * restricted namespace whose pods land on the real node, then what a user relies on: the release
 * Jobs and pods ran the pushed digest on the real node, Ready through the real probes, the rendered
 * security context held by the running process, and the app answering through its Service from a
 * pod on the node (kube-proxy's rules). Also the pieces around it: a relay that lets pods reach the
 * local target's database servers (loopback only) at the node's address, and a namespace for it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { AppModel } from "../../../src/model/app-model.js";
import type { RealNode } from "../../cluster/cluster.js";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { realNodeAnnotations, serviceUrl, startClientPod } from "../../cluster/real-node.js";
import { eventually, slipway } from "../deploy/local-harness.js";

export function git(dir: string, args: string[]): void {
  const r = spawnSync("git", ["-c", "user.email=test@example.com", "-c", "user.name=test", ...args], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

/** A TCP relay from `host`:`port` (0: a free one) to 127.0.0.1:`target` (the embedded servers listen on loopback only). */
export async function relay(host: string, target: number, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: "127.0.0.1", port: target });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("relay has no port");
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * `base` with pip allowed to install into Debian's Python (PEP 668: the image is the environment)
 * and trusting what this machine trusts (NODE_EXTRA_CA_CERTS, where HTTPS is intercepted), as a
 * company's Python base image would be.
 */
export function pythonBase(env: Record<string, string>, base: string): string {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const bytes = ca !== undefined && ca !== "" && existsSync(ca) ? readFileSync(ca) : undefined;
  const lines = [`FROM ${base}`, "ENV PIP_BREAK_SYSTEM_PACKAGES=1"];
  if (bytes !== undefined)
    lines.push("COPY host-ca.crt /usr/local/share/slipway-test/host-ca.crt", "ENV PIP_CERT=/usr/local/share/slipway-test/host-ca.crt");
  const dockerfile = `${lines.join("\n")}\n`;
  const hash = createHash("sha256")
    .update(dockerfile)
    .update(bytes ?? "")
    .digest("hex")
    .slice(0, 12);
  const ref = `${base.replace(/:[^:/]+$/, "")}-pip:${hash}`;
  const penv = { ...process.env, ...env };
  if (spawnSync("podman", ["image", "exists", ref], { env: penv }).status === 0) return ref;
  const dir = mkdtempSync(join(tmpdir(), "slipway-pybase-"));
  try {
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    if (bytes !== undefined) writeFileSync(join(dir, "host-ca.crt"), bytes);
    const r = spawnSync("podman", ["build", "--tag", ref, dir], { env: penv, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`podman build ${ref} failed: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}

/** The node's InternalIP (where pods reach this machine's relays). */
export async function nodeAddress(kubeconfig: string, node: RealNode): Promise<string> {
  const ip = (
    await kubectlOk(kubeconfig, ["get", "node", node.node, "-o", 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])
  ).trim();
  expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  return ip;
}

/** A restricted namespace whose pods all land on the real node; resolves to a function deleting it. */
export async function nodeNamespace(kubeconfig: string, node: RealNode, name: string): Promise<() => Promise<unknown>> {
  await kubectlOk(kubeconfig, ["create", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        labels: { "slipway.test/integration": "true", "pod-security.kubernetes.io/enforce": "restricted" },
        annotations: realNodeAnnotations(node),
      },
    }),
  });
  return () => kubectl(kubeconfig, ["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
}

export interface ProveOptions {
  kubeconfig: string;
  node: RealNode;
  /** Podman's environment (podmanEnv()). */
  podman: Record<string, string>;
  /** The app folder: a git checkout with its Dockerfile, app.build and the kubernetes target in `namespace`. */
  dir: string;
  /** For the registries.conf that lets Podman push over HTTP. */
  scratch: string;
  namespace: string;
  model: AppModel;
  /** The image repository the spec names (on the node's registry). */
  repository: string;
  /** Paths that must answer 200 through the Service, e.g. the liveness and readiness paths. */
  paths: readonly string[];
}

/** Builds, pushes, deploys by digest and checks everything a user relies on; resolves to the pushed digest. */
export async function buildDeployAndProve(o: ProveOptions): Promise<string> {
  const registriesConf = join(o.scratch, "registries.conf");
  writeFileSync(registriesConf, `[[registry]]\nlocation = "${o.node.registry}"\ninsecure = true\n`);
  const built = await slipway(o.dir, ["build", "-e", "staging", "--push", "--platform", "linux/amd64", "--json"], {
    ...o.podman,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
  });
  expect(built.code, built.stdout.slice(-2000) + built.stderr.slice(-3000)).toBe(0);
  const digest = (built.final?.result as { digest?: string } | undefined)?.digest ?? "";
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

  const run = await slipway(o.dir, ["deploy", "-e", "staging", "--json", "--digest", digest], { KUBECONFIG: o.kubeconfig });
  expect(run.code, run.stdout.slice(-3000) + run.stderr.slice(-3000)).toBe(0);

  const image = `${o.repository}@${digest}`;
  const pods = JSON.parse(
    await kubectlOk(o.kubeconfig, ["-n", o.namespace, "get", "pods", "-l", `app.kubernetes.io/name=${o.model.name}`, "-o", "json"]),
  ) as {
    items: {
      metadata: { name: string; ownerReferences?: { kind: string }[] };
      spec: {
        nodeName: string;
        securityContext: Record<string, unknown>;
        containers: { image: string; securityContext: Record<string, unknown> }[];
      };
      status: { phase: string; containerStatuses: { ready: boolean; imageID: string }[] };
    }[];
  };
  // Release Jobs (setup, migrate) ran the same digest on the real node, to completion.
  const jobs = JSON.parse(await kubectlOk(o.kubeconfig, ["-n", o.namespace, "get", "jobs", "-o", "json"])) as {
    items: { spec: { template: { spec: { containers: { image: string }[] } } }; status: { succeeded?: number } }[];
  };
  expect(jobs.items.length > 0).toBe(o.model.release.migrate !== undefined || o.model.release.setup !== undefined);
  for (const job of jobs.items) {
    expect(job.spec.template.spec.containers[0]?.image).toBe(image);
    expect(job.status.succeeded).toBe(1);
  }
  for (const pod of pods.items.filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === "Job"))) {
    expect(pod.spec.nodeName).toBe(o.node.node);
    expect(pod.status.phase).toBe("Succeeded");
  }
  const web = pods.items.filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === "ReplicaSet"));
  expect(web.length).toBeGreaterThan(0);
  for (const pod of web) {
    expect(pod.spec.nodeName).toBe(o.node.node);
    expect(pod.spec.containers[0]?.image).toBe(image);
    expect(pod.status.containerStatuses.every((c) => c.ready)).toBe(true);
    expect(pod.status.containerStatuses[0]?.imageID).toContain(digest);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: o.model.runAs.user });
    expect(pod.spec.containers[0]?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    // The process really runs as that user, on a root file system it cannot write.
    const id = await kubectlOk(o.kubeconfig, ["-n", o.namespace, "exec", pod.metadata.name, "--", "id", "-u"]);
    expect(id.trim()).toBe(String(o.model.runAs.user));
    const write = await kubectl(o.kubeconfig, ["-n", o.namespace, "exec", pod.metadata.name, "--", "touch", "/written-by-test"]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain("Read-only file system");
  }

  // As other workloads reach it: through its Service's ClusterIP, from a pod on the node
  // (kube-proxy's rules on the real node route it to a ready endpoint), with the Host header a pod
  // sends when it calls the Service by its DNS name (the cluster has no DNS server: the IP is used).
  const client = await startClientPod(o.kubeconfig, o.node, o.namespace);
  const url = await serviceUrl(o.kubeconfig, o.namespace, o.model.name);
  const host = `${o.model.name}.${o.namespace}.svc.cluster.local`;
  for (const path of o.paths) {
    const answer = await eventually(`GET ${path} through service/${o.model.name}`, async () => {
      const r = await client.get(`${url}${path}`, host);
      return r.status === 0 ? undefined : r;
    });
    expect(answer.status, `GET ${path} through the Service: ${answer.body.slice(0, 500)}`).toBe(200);
  }
  return digest;
}
