import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseDocument } from "yaml";
import type { DatabaseServer } from "../../../src/effects/database-server.js";
import { startMariadb, stopMariadb } from "../../../src/effects/mariadb-server.js";
import { startPostgres, stopPostgres } from "../../../src/effects/postgres-server.js";
import { freePort } from "../../../src/effects/processes.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { kubectlOk } from "../../cluster/kube.js";
import { secretsFor } from "../../cluster/secrets.js";
import { repoRoot } from "../../helpers/examples.js";
import { debianBase, podmanEnv, withHostTrust } from "../../helpers/podman.js";
import { slipway } from "../deploy/local-harness.js";
import { buildDeployAndProve, git, nodeAddress, nodeNamespace, pythonBase, relay } from "./on-node.js";

// The app corpus (test/apps, issue 20) on a real kubelet: each deployable app from an unedited
// `slipway init --yes`, plus what a team adds to ship it to Kubernetes — a Dockerfile on a Debian
// base with the language runtime from Debian (the machines reach Debian, npm and PyPI, not Docker
// Hub), app.build, the image on the node's registry and a kubernetes target in the test's
// namespace — built with `slipway build --push`, deployed by digest with `slipway deploy`, and
// proved as the examples are (on-node.ts): release Jobs done with the pushed digest, Ready through
// the real probes with the rendered security context, the health path answering through the
// Service from a pod on the node; and, where the app has a migration, its work in the database.
// One PostgreSQL (embedded) and one MariaDB (Debian) serve every app, each app its own database
// and user, reached by the pods at the node's address on the model's port through a relay;
// slipway composes DATABASE_URL from the database Secret's host and password.
//
// Not here: next-storefront and rails-repairs (detection and render only, test/apps/README.md;
// for Rails see test/cluster/README.md, "A real node": no Debian suite has the lockfile's gems).
const kubeconfig = inject("kubeconfig");
const realNode = inject("realNode");
const podman = realNode === null ? undefined : podmanEnv();
const unavailable =
  realNode === null ? inject("realNodeSkip") : podman !== undefined && "missing" in podman ? `podman: ${podman.missing}` : undefined;
if (unavailable !== undefined) process.stderr.write(`[real-node corpus] skipped: ${unavailable}\n`);

interface Database {
  server: DatabaseServer;
  /** Runs `sql` as the admin in `database`; the first column of every row. */
  query(database: string, sql: string): Promise<string[]>;
}

interface CorpusApp {
  app: string;
  runtime: "node" | "python";
  /** The team's Dockerfile after its FROM line. */
  dockerfile: string[];
  /** Settings a team gives the staging environment for Kubernetes (and why, in a comment). */
  stagingEnv?: Record<string, string>;
  /** The migration's work, read from the database as the admin. */
  migrated?(db: Database, model: AppModel): Promise<void>;
}

function pick(data: unknown, keys: readonly string[]): Record<string, string> {
  const all = (data ?? {}) as Record<string, string>;
  return Object.fromEntries(keys.filter((k) => all[k] !== undefined).map((k) => [k, all[k] as string]));
}

const nodeApp = ["WORKDIR /app", "COPY package.json package-lock.json ./", "RUN npm ci --omit=dev --no-audit --no-fund", "COPY . ."];

const corpus: CorpusApp[] = [
  {
    app: "express-pg-tasks",
    runtime: "node",
    dockerfile: nodeApp,
    async migrated(db, model) {
      const names = await db.query(model.database?.name ?? "", "select name from pgmigrations order by id");
      expect(names).toEqual(["1718203374512_create-tasks", "1721840022931_task-lists"]);
    },
  },
  { app: "node-uploads", runtime: "node", dockerfile: nodeApp },
  {
    app: "express-knex-mysql",
    runtime: "node",
    dockerfile: nodeApp,
    async migrated(db, model) {
      const names = await db.query(model.database?.name ?? "", "select name from knex_migrations order by id");
      expect(names).toEqual(["20240905101500_rooms.js", "20241019143012_bookings.js"]);
    },
  },
  {
    app: "flask-journal",
    runtime: "python",
    dockerfile: [
      "WORKDIR /app",
      "COPY requirements.txt ./",
      "RUN pip install --no-cache-dir -r requirements.txt",
      "COPY . .",
      "ENV FLASK_APP=journal_app.py",
    ],
    async migrated(db, model) {
      expect(await db.query(model.database?.name ?? "", "select version_num from alembic_version")).toEqual(["8b04e5c61a2f"]);
    },
  },
  {
    app: "django-library",
    runtime: "python",
    dockerfile: [
      "WORKDIR /app",
      `RUN pip install --no-cache-dir 'django>=5.1,<5.3' 'dj-database-url>=2.3' 'gunicorn>=23' 'psycopg[binary]>=3.2' 'whitenoise>=6.8'`,
      "COPY . .",
      // app.build.steps: the image build runs them (the root filesystem is read-only at run time).
      "RUN python3 manage.py collectstatic --noinput",
    ],
    // init writes DJANGO_ALLOWED_HOSTS "localhost,127.0.0.1" for every environment: the probes pass
    // (slipway sends them with Host: localhost), but Django answers 400 to a request for any other
    // host: on the real node, GET /healthz through the Service got 400 (Host: its ClusterIP) until
    // the team named its cluster hosts for staging.
    stagingEnv: { DJANGO_ALLOWED_HOSTS: "localhost,127.0.0.1,.svc.cluster.local" },
    async migrated(db, model) {
      const applied = await db.query(model.database?.name ?? "", "select app || '.' || name from django_migrations order by id");
      expect(applied).toContain("catalog.0002_book_copies_loan");
    },
  },
  {
    app: "fastapi-inventory",
    runtime: "python",
    dockerfile: [
      "WORKDIR /app",
      // The lockfile's versions, installed without Poetry in the image (pip reads the pins).
      "RUN pip install --no-cache-dir 'fastapi>=0.115,<0.116' 'uvicorn[standard]>=0.32,<0.33' 'sqlalchemy>=2.0,<3' 'alembic>=1.14,<2' 'psycopg[binary]>=3.2,<4' 'pydantic-settings>=2.6,<3'",
      "COPY . .",
    ],
    async migrated(db, model) {
      expect(await db.query(model.database?.name ?? "", "select version_num from alembic_version")).toEqual(["a41be7c0d9e2"]);
    },
  },
];

describe.skipIf(unavailable !== undefined)("the app corpus on a real kubelet", () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterAll(async () => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => {});
  }, 120_000);

  const scratch = mkdtempSync(join(tmpdir(), "slipway-rn-corpus-"));
  chmodSync(scratch, 0o755);
  cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
  const servers = new Map<string, Promise<Database>>();
  let nodeIp: Promise<string> | undefined;

  /** The one server of an engine, started on first use, with a relay on the node's address at the model's port. */
  function database(engine: "postgres" | "mysql", port: number): Promise<Database> {
    let db = servers.get(engine);
    if (db === undefined) {
      db = (async () => {
        const stateDir = join(scratch, engine);
        const server =
          engine === "postgres"
            ? await startPostgres({ stateDir, port: await freePort() })
            : await startMariadb({ stateDir, port: await freePort() });
        cleanups.push(() => (engine === "postgres" ? stopPostgres(stateDir) : stopMariadb(stateDir)));
        nodeIp ??= nodeAddress(kubeconfig, realNode as NonNullable<typeof realNode>);
        const forward = await relay(await nodeIp, server.port, port);
        cleanups.push(() => forward.close());
        const query =
          engine === "postgres"
            ? async (name: string, sql: string) => {
                const c = new Client({
                  host: "127.0.0.1",
                  port: server.port,
                  user: server.admin.user,
                  password: server.admin.password,
                  database: name,
                });
                await c.connect();
                try {
                  return (await c.query({ text: sql, rowMode: "array" })).rows.map((r: unknown[]) => String(r[0]));
                } finally {
                  await c.end();
                }
              }
            : async (name: string, sql: string) => {
                const r = spawnSync(
                  "mariadb",
                  ["-h", "127.0.0.1", "-P", String(server.port), "-u", server.admin.user, "-N", "-B", "-D", name, "-e", sql],
                  { encoding: "utf8", env: { ...process.env, MYSQL_PWD: server.admin.password } },
                );
                if (r.status !== 0) throw new Error(`mariadb: ${r.stderr}`);
                return r.stdout.split("\n").filter((l) => l !== "");
              };
        return { server, query };
      })();
      servers.set(engine, db);
    }
    return db;
  }

  for (const corpusApp of corpus)
    it(`${corpusApp.app}: from init --yes and a Dockerfile, built, pushed, deployed by digest, Ready on the node with the rendered security context, its health path answering through the Service${corpusApp.migrated ? ", its migration in the database" : ""}`, async (test) => {
      if (realNode === null || podman === undefined || "missing" in podman) return;
      const made = debianBase(podman.env, corpusApp.runtime === "node" ? ["nodejs", "npm"] : ["python3", "python3-pip"]);
      if ("missing" in made) {
        test.skip(`no Debian base: ${made.missing}`);
        return;
      }
      const base = corpusApp.runtime === "node" ? withHostTrust(podman.env, made.ref) : pythonBase(podman.env, made.ref);
      // Debian names the interpreter python3 only; the apps' commands say `python` (as the official
      // Python images provide it), so the team's Dockerfile links it.
      const runtimeLines = corpusApp.runtime === "python" ? ["RUN ln -s /usr/bin/python3 /usr/local/bin/python"] : [];
      const namespace = `rn-${corpusApp.app}-${randomBytes(3).toString("hex")}`.slice(0, 50);
      cleanups.push(await nodeNamespace(kubeconfig, realNode, namespace));

      // The app as written, init --yes, then what the team adds for Kubernetes.
      const parent = mkdtempSync(join(scratch, "app-"));
      chmodSync(parent, 0o755);
      const dir = join(parent, corpusApp.app);
      cpSync(join(repoRoot, "test/apps", corpusApp.app), dir, { recursive: true });
      const init = await slipway(dir, ["init", "--yes"]);
      expect(init.code, init.stdout + init.stderr).toBe(0);
      // A numeric non-root USER and secrets kept out of the context: slipway build's preflight asks for both.
      writeFileSync(join(dir, "Dockerfile"), [`FROM ${base}`, ...runtimeLines, ...corpusApp.dockerfile, "USER 10001:10001", ""].join("\n"));
      writeFileSync(join(dir, ".dockerignore"), ["node_modules", ".venv", ".slipway", ".git", ".env*", ""].join("\n"));
      const repository = `${realNode.registry}/corpus/${corpusApp.app}`;
      const doc = parseDocument(readFileSync(join(dir, "slipway.yaml"), "utf8"));
      doc.setIn(["app", "image"], repository);
      doc.setIn(["app", "build", "context"], ".");
      doc.setIn(["app", "build", "dockerfile"], "Dockerfile");
      doc.setIn(["targets", "kubernetes"], doc.createNode({ type: "kubernetes", namespace }));
      for (const [key, value] of Object.entries(corpusApp.stagingEnv ?? {}))
        doc.setIn(["environments", "staging", "app", "env", key], value);
      writeFileSync(join(dir, "slipway.yaml"), doc.toString());
      git(dir, ["init", "-q"]);
      git(dir, ["add", "-A"]);
      git(dir, ["commit", "-qm", `test/apps/${corpusApp.app}`]);

      const validated = validateSpec(parseSpecText(readFileSync(join(dir, "slipway.yaml"), "utf8"), "slipway.yaml"));
      const staging = validated.environments.staging;
      if (staging === undefined) throw new Error(`init wrote no staging environment for ${corpusApp.app}`);
      const model = buildModel(validated, staging, { tag: "test" });

      // The database Secret as a team writes it (host and password; slipway composes the url).
      const values: Record<string, string> = {};
      let db: Database | undefined;
      if (model.database !== undefined) {
        db = await database(model.database.engine, model.database.port);
        const password = randomBytes(16).toString("hex");
        await db.server.ensureDatabase({ database: model.database.name, user: model.database.user, password });
        values[`${model.database.secretName}/host`] = await (nodeIp as Promise<string>);
        values[`${model.database.secretName}/password`] = password;
      }
      // Every other key the pods read gets a placeholder (seedSecrets); the database Secret holds only
      // host and password, so that slipway composes its url (a url the team wrote would be left alone).
      const secrets = secretsFor(model, namespace, values).map((secret) =>
        secret.metadata.name === model.database?.secretName
          ? { ...secret, stringData: pick(secret.stringData, ["host", "password"]) }
          : secret,
      );
      await kubectlOk(kubeconfig, ["apply", "--server-side", "--field-manager", "test-seed", "-f", "-"], {
        input: JSON.stringify({ apiVersion: "v1", kind: "List", items: secrets }),
      });

      await buildDeployAndProve({
        kubeconfig,
        node: realNode,
        podman: podman.env,
        dir,
        scratch: parent,
        namespace,
        model,
        repository,
        paths: [model.health.readiness],
      });
      if (corpusApp.migrated !== undefined && db !== undefined) await corpusApp.migrated(db, model);
    }, 1_500_000);
});
