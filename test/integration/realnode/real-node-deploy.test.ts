import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { busyboxRoot, type ClientPod, pushImage, realNodeAnnotations, serviceUrl, startClientPod } from "../../cluster/real-node.js";
import { eventually, type Run, slipway } from "../deploy/local-harness.js";

// `slipway deploy` on the real node (start.sh --real-node, issue 20): a kubelet runs the containers,
// so probes, crashes, OOM kills, image pulls, logs and exec are the real ones. The app is busybox's
// httpd honouring the app contract (HOST, PORT, a 2xx health path), in a restricted namespace whose
// pods all land on the real node through its annotations (the render is unchanged).
const kubeconfig = inject("kubeconfig");
const realNode = inject("realNode");
const skip = inject("realNodeSkip");
if (realNode === null) process.stderr.write(`[real-node] skipped: ${skip}\n`);

// PID 1 is the shell, which exits on SIGTERM (httpd as PID 1 would ignore it, and every pod
// delete would wait the whole grace period).
const HTTPD = ["/bin/sh", "-c", 'trap "exit 0" TERM; echo "listening on $HOST:$PORT"; httpd -f -v -p "$HOST:$PORT" -h /www & wait'];

describe.skipIf(realNode === null)("slipway deploy on a real kubelet", () => {
  const namespace = `realnode-${randomBytes(3).toString("hex")}`;
  const app = `bb-${randomBytes(3).toString("hex")}`;
  const image = `slipway.test/${app}`;
  const env = { KUBECONFIG: kubeconfig };
  let dir: string;
  let rootfs: ReturnType<typeof busyboxRoot>;

  const deploy = (tag: string): Promise<Run> => slipway(dir, ["deploy", "-e", "staging", "--json", "--tag", tag], env);
  const servingImage = async () =>
    (
      await kubectlOk(kubeconfig, ["-n", namespace, "get", "deployment", app, "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
    ).trim();
  let client: ClientPod | undefined;
  /**
   * GET /ready through the app's Service (its ClusterIP, kube-proxy's rules) from a pod on the node;
   * the first answer may take a moment after a first deploy (kube-proxy syncs the new endpoints).
   */
  const throughService = async () => {
    if (client === undefined) throw new Error("no client pod");
    const pod = client;
    const url = `${await serviceUrl(kubeconfig, namespace, app)}/ready`;
    const answer = await eventually(`GET ${url} from the client pod`, async () => {
      const r = await pod.get(url);
      return r.status === 0 ? undefined : r;
    });
    return [answer];
  };
  const failed = (run: Run) => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.final?.error).toMatchObject({ code: "DEPLOY_FAILED" });
    expect(run.events.some((e) => e.type === "rolled-back")).toBe(true);
  };

  beforeAll(async () => {
    if (realNode === null) return;
    await kubectlOk(kubeconfig, ["create", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: namespace,
          labels: { "slipway.test/integration": "true", "pod-security.kubernetes.io/enforce": "restricted" },
          annotations: realNodeAnnotations(realNode),
        },
      }),
    });
    dir = mkdtempSync(join(tmpdir(), "slipway-realnode-"));
    writeFileSync(
      join(dir, "slipway.yaml"),
      [
        `name: ${app}`,
        "app:",
        `  image: ${image}:1.0.0`,
        "  port: 8080",
        "  health: { readiness: /ready }",
        "  resources: { cpu: 50m, memory: 32Mi }",
        "  scale: { min: 1, max: 1 }",
        "environments:",
        "  staging: { target: kubernetes }",
        "targets:",
        `  kubernetes: { type: kubernetes, namespace: ${namespace} }`,
        "",
      ].join("\n"),
    );
    rootfs = busyboxRoot({ "www/ready": "ready\n" });
    for (const tag of ["1.0.0", "1.0.1"]) await pushImage(realNode, `${image}:${tag}`, rootfs.dir, HTTPD);
    await pushImage(realNode, `${image}:crash`, rootfs.dir, [
      "/bin/sh",
      "-c",
      "echo booting on port $PORT; echo fatal: DATABASE_URL is not set >&2; exit 3",
    ]);
    await pushImage(realNode, `${image}:exit0`, rootfs.dir, ["/bin/sh", "-c", "echo nothing to serve; exit 0"]);
    client = await startClientPod(kubeconfig, realNode, namespace);
    // Serves, but not its readiness path: /ready is a 404 for ever.
    const unready = busyboxRoot({ "www/index.html": "up\n" });
    try {
      await pushImage(realNode, `${image}:never-ready`, unready.dir, HTTPD);
    } finally {
      unready.cleanup();
    }
    await pushImage(realNode, `${image}:oom`, rootfs.dir, [
      "/bin/sh",
      "-c",
      "echo loading the cache; head -c 200000000 /dev/zero | sort >/dev/null; echo loaded",
    ]);
  }, 300_000);

  afterAll(async () => {
    await kubectl(kubeconfig, ["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    rootfs?.cleanup();
  }, 60_000);

  it("deploys a contract-honouring app: Ready through its real probes with the rendered security context, answering through its Service", async () => {
    const run = await deploy("1.0.0");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const pods = JSON.parse(await kubectlOk(kubeconfig, ["-n", namespace, "get", "pods", "-o", "json"])) as {
      items: { spec: { nodeName: string }; status: { containerStatuses: { ready: boolean; started: boolean }[] } }[];
    };
    expect(pods.items.length).toBeGreaterThan(0);
    for (const pod of pods.items) {
      expect(pod.spec.nodeName).toBe(realNode?.node);
      expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true, started: true });
    }
    const answers = await throughService();
    for (const a of answers) expect(a).toMatchObject({ status: 200, body: "ready\n" });

    // The process runs as the rendered non-root UID, on a read-only root, with no capabilities.
    const exec = await slipway(
      dir,
      ["exec", "-e", "staging", "--", "sh", "-c", "id -u; touch /probe 2>&1; grep CapEff /proc/self/status"],
      env,
    );
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toMatch(/^10001$/m);
    expect(exec.stdout).toContain("Read-only file system");
    expect(exec.stdout).toMatch(/CapEff:\s+0000000000000000/);
  }, 180_000);

  it("slipway logs shows the container's real output (its start line and the kubelet's probes)", async () => {
    const run = await slipway(dir, ["logs", "-e", "staging"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("listening on 0.0.0.0:8080");
    expect(run.stdout).toMatch(/response:200/);
  }, 60_000);

  it("exec returns the command's exit code from the real container", async () => {
    const run = await slipway(dir, ["exec", "-e", "staging", "--", "sh", "-c", "echo to-stderr >&2; exit 3"], env);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("to-stderr");
  }, 60_000);

  it("a release that exits on boot is classified as a crash with its real logs, rolled back, the previous release still serving", async () => {
    const run = await deploy("crash");
    failed(run);
    expect(run.stdout).toContain("exit 3");
    expect(run.stdout).toContain("fatal: DATABASE_URL is not set");
    expect(await servingImage()).toBe(`${image}:1.0.0`);
    for (const a of await throughService()) expect(a.status).toBe(200);
  }, 180_000);

  it("a release whose process finishes (exit 0) at boot is a crash too, at its first exit", async () => {
    const run = await deploy("exit0");
    failed(run);
    expect(run.stdout).toMatch(/exited \(exit 0, Completed/);
    expect(run.stdout).toContain("nothing to serve");
    expect(await servingImage()).toBe(`${image}:1.0.0`);
    for (const a of await throughService()) expect(a.status).toBe(200);
  }, 180_000);

  it("a release killed for memory (OOMKilled under its 32Mi limit) is classified and rolled back", async () => {
    const run = await deploy("oom");
    failed(run);
    expect(run.stdout).toContain("OOMKilled");
    expect(run.stdout).toContain("loading the cache");
    expect(await servingImage()).toBe(`${image}:1.0.0`);
    for (const a of await throughService()) expect(a.status).toBe(200);
  }, 180_000);

  it("a release that never gets ready (its readiness path answers 404) is classified by its real probe failures and rolled back", async () => {
    const run = await deploy("never-ready");
    failed(run);
    expect(run.stdout).toMatch(/not ready|readiness|Unhealthy/i);
    expect(run.stdout).toContain("404");
    expect(await servingImage()).toBe(`${image}:1.0.0`);
    for (const a of await throughService()) expect(a.status).toBe(200);
  }, 300_000);

  it("a tag the registry does not have is classified as an image pull failure and rolled back", async () => {
    const run = await deploy("9.9.9-missing");
    failed(run);
    expect(run.stdout).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(run.stdout).toContain("not found");
    expect(await servingImage()).toBe(`${image}:1.0.0`);
    for (const a of await throughService()) expect(a.status).toBe(200);
  }, 180_000);

  it("a healthy next release replaces the first on the real node", async () => {
    const run = await deploy("1.0.1");
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await servingImage()).toBe(`${image}:1.0.1`);
    for (const a of await throughService()) expect(a.status).toBe(200);
  }, 180_000);
});
