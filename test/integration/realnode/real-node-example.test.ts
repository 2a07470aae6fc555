import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { DatabaseServer } from "../../../src/effects/database-server.js";
import { startMariadb, stopMariadb } from "../../../src/effects/mariadb-server.js";
import { startPostgres, stopPostgres } from "../../../src/effects/postgres-server.js";
import { freePort } from "../../../src/effects/processes.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { realNodeAnnotations, serviceUrl, startClientPod } from "../../cluster/real-node.js";
import { seedSecrets } from "../../cluster/secrets.js";
import { loadExamples } from "../../helpers/examples.js";
import { debianBase, podmanEnv, withHostTrust } from "../../helpers/podman.js";
import { eventually, get, slipway } from "../deploy/local-harness.js";

// The examples as a user ships them, on a real kubelet (issue 20): `slipway build --push` with
// Podman on a local Debian base (the language runtime from Debian; each example's FROM names an
// image only a public registry serves) to the real node's registry, `slipway deploy --digest` to a
// restricted namespace whose pods land on the real node, and a real database (the local target's
// embedded PostgreSQL, or MariaDB from Debian) that the pods reach at the node's address, through
// the database Secret. Release Jobs and the app run in containers: Ready through the real probes
// (each /ready runs SELECT 1).
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

/** A TCP relay from `host`:`port` (0: a free one) to 127.0.0.1:`target` (the embedded servers listen on loopback only). */
async function relay(host: string, target: number, port = 0): Promise<{ port: number; close(): Promise<void> }> {
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
function pythonBase(env: Record<string, string>, base: string): string {
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

interface Example {
  name: "node-postgres" | "flask-mysql";
  /** Debian packages of the base, and the base as the build uses it. */
  packages: string[];
  base(env: Record<string, string>, ref: string): string;
  /** The image the example's spec names, replaced by one on the node's registry. */
  image: string;
  startDatabase(stateDir: string, port: number): Promise<DatabaseServer>;
  stopDatabase(stateDir: string): Promise<unknown>;
  /** The database Secret's values, given the relay the pods reach the server through. */
  secretValues(db: NonNullable<AppModel["database"]>, host: string, port: number, password: string): Record<string, string>;
  /** The relay's port: a free one, or the model's database port (the app reads DB_PORT). */
  relayPort(db: NonNullable<AppModel["database"]>): number;
  liveness: string;
  readiness: string;
  /** After the deploy: what else the database shows (the migration Job's work). */
  after?(server: DatabaseServer, db: NonNullable<AppModel["database"]>): Promise<void>;
}

const examples: Example[] = [
  {
    name: "node-postgres",
    packages: ["nodejs", "npm"],
    base: withHostTrust,
    image: "ghcr.io/slipway-examples/node-postgres:1.0.0",
    startDatabase: (stateDir, port) => startPostgres({ stateDir, port }),
    stopDatabase: stopPostgres,
    // A url of the team's own (the relay's port), which slipway leaves alone.
    secretValues: (db, host, port, password) => ({
      [`${db.secretName}/host`]: host,
      [`${db.secretName}/password`]: password,
      [`${db.secretName}/url`]: `postgresql://${db.user}:${password}@${host}:${port}/${db.name}`,
    }),
    relayPort: () => 0,
    liveness: "/health",
    readiness: "/ready",
    async after(server, db) {
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
    },
  },
  {
    name: "flask-mysql",
    packages: ["python3", "python3-pip"],
    base: pythonBase,
    image: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/flask-mysql:1.0.0",
    startDatabase: (stateDir, port) => startMariadb({ stateDir, port }),
    stopDatabase: stopMariadb,
    // host and password only: slipway composes the url; the app reads DB_HOST and DB_PORT.
    secretValues: (db, host, _port, password) => ({ [`${db.secretName}/host`]: host, [`${db.secretName}/password`]: password }),
    relayPort: (db) => db.port,
    liveness: "/healthz",
    readiness: "/ready",
  },
];

describe.skipIf(unavailable !== undefined)("examples on a real kubelet", () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterAll(async () => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => {});
  }, 120_000);

  for (const example of examples)
    it(`${example.name}: built, pushed, deployed by digest, Ready through its real probes with the rendered security context, answering its health paths (the database reached) at the pod IP and through its Service from a pod on the node`, async (test) => {
      if (realNode === null || podman === undefined || "missing" in podman) return;
      const made = debianBase(podman.env, example.packages);
      if ("missing" in made) {
        test.skip(`no Debian base: ${made.missing}`);
        return;
      }
      const model = loadExamples()
        .find((e) => e.name === example.name)
        ?.kubeModels.find((m) => m.environment === "staging");
      const db = model?.database;
      if (model === undefined || db === undefined) throw new Error(`examples/${example.name} has no staging model with a database`);

      // The database: the local target's server on loopback, reached by pods at the node's InternalIP.
      const base = mkdtempSync(join(tmpdir(), `slipway-rn-${example.name}-`));
      chmodSync(base, 0o755);
      cleanups.push(() => rmSync(base, { recursive: true, force: true }));
      const stateDir = join(base, "database");
      cleanups.push(() => example.stopDatabase(stateDir));
      const server = await example.startDatabase(stateDir, await freePort());
      const password = randomBytes(16).toString("hex");
      await server.ensureDatabase({ database: db.name, user: db.user, password });
      const nodeIp = (
        await kubectlOk(kubeconfig, ["get", "node", realNode.node, "-o", 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])
      ).trim();
      expect(nodeIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const forward = await relay(nodeIp, server.port, example.relayPort(db));
      cleanups.push(() => forward.close());

      const namespace = `rn-${example.name}-${randomBytes(3).toString("hex")}`;
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
      // The Secrets as a team writes them (the spec's kubernetes-secret source).
      await seedSecrets(kubeconfig, model, namespace, example.secretValues(db, nodeIp, forward.port, password));

      // The example as written, except its FROM and where its image goes.
      const dir = join(base, "app");
      cpSync(new URL(`../../../examples/${example.name}/`, import.meta.url).pathname, dir, {
        recursive: true,
        filter: (src) => !src.includes("node_modules") && !src.includes(".slipway"),
      });
      const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
      expect(dockerfile).toMatch(/^FROM \S+@sha256:[0-9a-f]{64}$/m);
      writeFileSync(join(dir, "Dockerfile"), dockerfile.replace(/^FROM \S+$/m, `FROM ${example.base(podman.env, made.ref)}`));
      const spec = readFileSync(join(dir, "slipway.yaml"), "utf8");
      expect(spec).toContain(`image: ${example.image}`);
      // The kubernetes target in the test's namespace (flask-mysql declares no targets of its own).
      const target = `  kubernetes: { type: kubernetes, namespace: ${namespace} }\n`;
      const named = spec.replace(`image: ${example.image}`, `image: ${realNode.registry}/examples/${example.name}`);
      writeFileSync(
        join(dir, "slipway.yaml"),
        /^targets:\n/m.test(named) ? named.replace(/^targets:\n/m, `targets:\n${target}`) : `${named}targets:\n${target}`,
      );
      git(dir, ["init", "-q"]);
      git(dir, ["add", "-A"]);
      git(dir, ["commit", "-qm", `examples/${example.name}`]);
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

      const image = `${realNode.registry}/examples/${example.name}@${digest}`;
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
        const health = await eventually(`GET ${example.liveness} at the pod IP`, async () => {
          const r = await get(`http://${pod.status.podIP}:${model.port}${example.liveness}`);
          return r.status === 200 ? r : undefined;
        });
        expect(health.status).toBe(200);
        const ready = await get(`http://${pod.status.podIP}:${model.port}${example.readiness}`);
        expect(ready.status, ready.body).toBe(200);
      }

      // As other workloads reach it: through its Service's ClusterIP, from a pod on the node
      // (kube-proxy's rules on the real node route it to a ready endpoint).
      const client = await startClientPod(kubeconfig, realNode, namespace);
      const url = await serviceUrl(kubeconfig, namespace, model.name);
      const viaService = await eventually(`GET ${example.liveness} through service/${model.name}`, async () => {
        const r = await client.get(`${url}${example.liveness}`);
        return r.status === 200 ? r : undefined;
      });
      expect(viaService.status).toBe(200);
      const readyViaService = await client.get(`${url}${example.readiness}`);
      expect(readyViaService.status, readyViaService.body).toBe(200);

      await example.after?.(server, db);
    }, 1_200_000);
});
