import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { DatabaseServer } from "../../../src/effects/database-server.js";
import { startMariadb, stopMariadb } from "../../../src/effects/mariadb-server.js";
import { startPostgres, stopPostgres } from "../../../src/effects/postgres-server.js";
import { freePort } from "../../../src/effects/processes.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { seedSecrets } from "../../cluster/secrets.js";
import { loadExamples } from "../../helpers/examples.js";
import { debianBase, podmanEnv, withHostTrust } from "../../helpers/podman.js";
import { buildDeployAndProve, git, nodeAddress, nodeNamespace, pythonBase, relay } from "./on-node.js";

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
    it(`${example.name}: built, pushed, deployed by digest, Ready through its real probes with the rendered security context, its release Jobs done, answering its health paths (the database reached) through its Service from a pod on the node`, async (test) => {
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
      const nodeIp = await nodeAddress(kubeconfig, realNode);
      const forward = await relay(nodeIp, server.port, example.relayPort(db));
      cleanups.push(() => forward.close());

      const namespace = `rn-${example.name}-${randomBytes(3).toString("hex")}`;
      cleanups.push(await nodeNamespace(kubeconfig, realNode, namespace));
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
      const moved = spec.replace(`image: ${example.image}`, `image: ${realNode.registry}/examples/${example.name}`);
      // An infra block takes its AWS account from an ECR image; with the image moved off ECR the
      // account is named instead, as node-postgres (on ghcr.io) names it.
      const named =
        /^infra:/m.test(moved) && !/^ {2}accountId:/m.test(moved)
          ? moved.replace(/^infra:(.*)\n/m, 'infra:$1\n  accountId: "123456789012"\n')
          : moved;
      writeFileSync(
        join(dir, "slipway.yaml"),
        /^targets:\n/m.test(named) ? named.replace(/^targets:\n/m, `targets:\n${target}`) : `${named}targets:\n${target}`,
      );
      git(dir, ["init", "-q"]);
      git(dir, ["add", "-A"]);
      git(dir, ["commit", "-qm", `examples/${example.name}`]);

      await buildDeployAndProve({
        kubeconfig,
        node: realNode,
        podman: podman.env,
        dir,
        scratch: base,
        namespace,
        model,
        repository: `${realNode.registry}/examples/${example.name}`,
        paths: [example.liveness, example.readiness],
      });

      await example.after?.(server, db);
    }, 1_200_000);
});
