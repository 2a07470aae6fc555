import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startPostgres, stopPostgres } from "../../../src/effects/postgres-server.js";
import { freePort } from "../../../src/effects/processes.js";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { realNodeAnnotations } from "../../cluster/real-node.js";
import { seedSecrets } from "../../cluster/secrets.js";
import { loadExamples } from "../../helpers/examples.js";
import { debianBase, podmanEnv, withHostTrust } from "../../helpers/podman.js";
import { eventually, get, slipway } from "../deploy/local-harness.js";

// examples/node-postgres as a user ships it, on a real kubelet (issue 20): `slipway build --push`
// with Podman on a local Debian base (nodejs and npm from Debian; the example's FROM names an
// image only a public registry serves) to the real node's registry, `slipway deploy --digest` to
// a restricted namespace whose pods land on the real node, a real PostgreSQL (the local target's
// embedded one) that the pod reaches at the node's address, its URL in the database Secret. The
// migration Job and the app run in containers: Ready through the real probes (/ready runs SELECT 1).
const kubeconfig = inject("kubeconfig");
const realNode = inject("realNode");
const podman = realNode === null ? undefined : podmanEnv();
const unavailable =
  realNode === null ? inject("realNodeSkip") : podman !== undefined && "missing" in podman ? `podman: ${podman.missing}` : undefined;
if (unavailable !== undefined) process.stderr.write(`[real-node example] skipped: ${unavailable}\n`);

function git(dir: string, args: string[]): void {
  const r = spawnSync("git", ["-c", "user.email=test@example.com", "-c", "user.name=test", ...args], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

/** A TCP relay from `host`:free port to 127.0.0.1:`target` (the embedded servers listen on loopback only). */
async function relay(host: string, target: number): Promise<{ port: number; close(): Promise<void> }> {
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
    server.listen(0, host, resolve);
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

describe.skipIf(unavailable !== undefined)("examples on a real kubelet", () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterAll(async () => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => {});
  }, 120_000);

  it("node-postgres: built, pushed, deployed by digest, Ready through its real probes with the rendered security context, answering /health and /ready (PostgreSQL reached) at the pod IP", async (test) => {
    if (realNode === null || podman === undefined || "missing" in podman) return;
    const made = debianBase(podman.env, ["nodejs", "npm"]);
    if ("missing" in made) {
      test.skip(`no Debian base: ${made.missing}`);
      return;
    }
    const model = loadExamples()
      .find((e) => e.name === "node-postgres")
      ?.kubeModels.find((m) => m.environment === "staging");
    const db = model?.database;
    if (model === undefined || db === undefined) throw new Error("examples/node-postgres has no staging model with a database");

    // PostgreSQL: the embedded server on loopback, reached by pods at the node's InternalIP.
    const base = mkdtempSync(join(tmpdir(), "slipway-rn-example-"));
    chmodSync(base, 0o755);
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const stateDir = join(base, "postgres");
    cleanups.push(() => stopPostgres(stateDir));
    const server = await startPostgres({ stateDir, port: await freePort() });
    const password = randomBytes(16).toString("hex");
    await server.ensureDatabase({ database: db.name, user: db.user, password });
    const nodeIp = (
      await kubectlOk(kubeconfig, ["get", "node", realNode.node, "-o", 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])
    ).trim();
    expect(nodeIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const pg = await relay(nodeIp, server.port);
    cleanups.push(() => pg.close());

    const namespace = `rn-node-postgres-${randomBytes(3).toString("hex")}`;
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
    cleanups.push(() => kubectl(kubeconfig, ["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]));
    // The database Secret as a team writes it (the spec's kubernetes-secret source): host, the app
    // user's password, and a url of its own (the relay's port), which slipway leaves alone.
    await seedSecrets(kubeconfig, model, namespace, {
      [`${db.secretName}/host`]: nodeIp,
      [`${db.secretName}/password`]: password,
      [`${db.secretName}/url`]: `postgresql://${db.user}:${password}@${nodeIp}:${pg.port}/${db.name}`,
    });

    // The example as written, except its FROM and where its image goes.
    const dir = join(base, "app");
    cpSync(new URL("../../../examples/node-postgres/", import.meta.url).pathname, dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules") && !src.includes(".slipway"),
    });
    const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM node:\S+$/m);
    writeFileSync(join(dir, "Dockerfile"), dockerfile.replace(/^FROM node:\S+$/m, `FROM ${withHostTrust(podman.env, made.ref)}`));
    const spec = readFileSync(join(dir, "slipway.yaml"), "utf8");
    expect(spec).toContain("image: ghcr.io/slipway-examples/node-postgres:1.0.0");
    writeFileSync(
      join(dir, "slipway.yaml"),
      spec
        .replace("image: ghcr.io/slipway-examples/node-postgres:1.0.0", `image: ${realNode.registry}/examples/node-postgres`)
        .replace("targets:\n", `targets:\n  kubernetes: { type: kubernetes, namespace: ${namespace} }\n`),
    );
    git(dir, ["init", "-q"]);
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-qm", "examples/node-postgres"]);
    const registriesConf = join(base, "registries.conf");
    writeFileSync(registriesConf, `[[registry]]\nlocation = "${realNode.registry}"\ninsecure = true\n`);

    const built = await slipway(dir, ["build", "-e", "staging", "--push", "--platform", "linux/amd64", "--json"], {
      ...podman.env,
      CONTAINERS_REGISTRIES_CONF: registriesConf,
    });
    expect(built.code, built.stderr.slice(-3000)).toBe(0);
    const digest = (built.final?.result as { digest?: string } | undefined)?.digest ?? "";
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const run = await slipway(dir, ["deploy", "-e", "staging", "--json", "--digest", digest], { KUBECONFIG: kubeconfig });
    expect(run.code, run.stdout.slice(-3000) + run.stderr.slice(-3000)).toBe(0);

    const image = `${realNode.registry}/examples/node-postgres@${digest}`;
    const pods = JSON.parse(
      await kubectlOk(kubeconfig, ["-n", namespace, "get", "pods", "-l", `app.kubernetes.io/name=${model.name}`, "-o", "json"]),
    ) as {
      items: {
        metadata: { name: string; ownerReferences?: { kind: string }[] };
        spec: {
          nodeName: string;
          securityContext: Record<string, unknown>;
          containers: { image: string; securityContext: Record<string, unknown> }[];
        };
        status: { podIP: string; containerStatuses: { ready: boolean; imageID: string }[] };
      }[];
    };
    const web = pods.items.filter((p) => p.metadata.ownerReferences?.some((o) => o.kind === "ReplicaSet"));
    expect(web.length).toBeGreaterThan(0);
    for (const pod of web) {
      expect(pod.spec.nodeName).toBe(realNode.node);
      expect(pod.spec.containers[0]?.image).toBe(image);
      expect(pod.status.containerStatuses.every((c) => c.ready)).toBe(true);
      expect(pod.status.containerStatuses[0]?.imageID).toContain(digest);
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: model.runAs.user });
      expect(pod.spec.containers[0]?.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      // The process really runs as that user, on a root file system it cannot write.
      const id = await kubectlOk(kubeconfig, ["-n", namespace, "exec", pod.metadata.name, "--", "id", "-u"]);
      expect(id.trim()).toBe(String(model.runAs.user));
      const write = await kubectl(kubeconfig, ["-n", namespace, "exec", pod.metadata.name, "--", "touch", "/app/written"]);
      expect(write.code).not.toBe(0);
      expect(write.stderr).toContain("Read-only file system");
      // From this machine, at the pod IP: liveness and readiness (SELECT 1 through the relay).
      const health = await eventually("GET /health at the pod IP", async () => {
        const r = await get(`http://${pod.status.podIP}:${model.port}/health`);
        return r.status === 200 ? r : undefined;
      });
      expect(health.status).toBe(200);
      const ready = await get(`http://${pod.status.podIP}:${model.port}/ready`);
      expect(ready.status, ready.body).toBe(200);
    }

    // The migration Job ran in a container on the node, against this PostgreSQL.
    const admin = new Client({
      host: "127.0.0.1",
      port: server.port,
      user: server.admin.user,
      password: server.admin.password,
      database: db.name,
    });
    await admin.connect();
    try {
      const applied = await admin.query("SELECT count(*)::int AS n FROM schema_migrations");
      expect(applied.rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
  }, 1_200_000);
});
