import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { getJson, type KubeObject, kubectl, kubectlOk, waitFor } from "../../cluster/kube.js";
import { repoRoot } from "../../helpers/examples.js";
import { cacheRoot } from "../../helpers/tools.js";
import { finished, freePort, type Run, slipway, start } from "../deploy/local-harness.js";

// Issue 11, "Tests that must exist": every deployable app of test/apps/, from an unedited
// `slipway init --yes`, deployed to the local target as a user would (the built CLI, real
// PostgreSQL/MariaDB, packages from PyPI and npm), then its Kubernetes render applied to the test
// cluster. The one change to init's spec is the local proxy port (init has no flag for it): the
// line `    port: 4000` under targets.local gets a free port, so runs never collide.
//
// Per app: v1 serves `/` through the proxy and its migrations are in the database (read through
// `slipway exec`, with the app's own driver); v2 (a visible string edited) deploys while a bounded
// loopback load loop hits the proxy, with no failed request; v3 (an import of a module that does
// not exist) fails, is rolled back with the error line in the --json evidence, and v2 still serves;
// `render kubernetes -e staging` is admitted by a server-side dry run, applied, Available, with PORT.
//
// Not here: next-storefront and rails-repairs (detection and render only, see test/apps/README.md).

const kubeconfig = inject("kubeconfig");
const appsDir = join(repoRoot, "test/apps");

/** pip's and Poetry's download caches, kept between runs (CI restores ~/.cache/slipway-test). */
const pipCache = join(cacheRoot(), "pip");
const poetryCache = join(cacheRoot(), "poetry-cache");
/** Poetry, for the Poetry project, when the machine has none: a pinned version in a cached venv. */
const poetryVersion = "2.5.1";

interface CorpusApp {
  app: string;
  /** A page whose text v2 changes, and the text v1 shows there. */
  page: string;
  v1: string;
  /** v2: one visible string edited in the source, and how the page shows it. */
  v2: { file: string; from: string; to: string; shows: string };
  /** v3: a line that imports a module nobody installed, and the error line it must leave in the evidence. */
  v3: { file: string; line: string; error: RegExp };
  /** A command run with `slipway exec` in the serving release, and what its output shows once migrations ran. */
  database?: { command: string[]; expect: RegExp[] };
  tools?: "poetry";
}

/** Prints the alembic revision and one fact a migration made, with SQLAlchemy and the app's own DATABASE_URL. */
const alembicProbe = (fact: string) =>
  [
    "import os, sqlalchemy as sa",
    'engine = sa.create_engine(os.environ["DATABASE_URL"])',
    "with engine.connect() as c:",
    '    print("alembic_version=" + c.execute(sa.text("select version_num from alembic_version")).scalar_one())',
    `    ${fact}`,
  ].join("\n");

const corpus: CorpusApp[] = [
  {
    app: "flask-journal",
    page: "/login",
    v1: "Create an account",
    v2: {
      file: "journal/templates/login.html",
      from: "Create an account",
      to: "Create a journal account",
      shows: "Create a journal account",
    },
    v3: {
      file: "journal/routes.py",
      line: "import journal_v3_missing_module\n",
      error: /ModuleNotFoundError: No module named 'journal_v3_missing_module'/,
    },
    database: {
      command: ["python", "-c", alembicProbe('print("entries=" + ",".join(col["name"] for col in sa.inspect(c).get_columns("entries")))')],
      // The head revision, and the column its second migration added.
      expect: [/^alembic_version=8b04e5c61a2f$/m, /^entries=.*\bmood\b/m],
    },
  },
  {
    app: "django-library",
    page: "/",
    v1: "<h1>Library</h1>",
    v2: { file: "catalog/templates/catalog/index.html", from: "<h1>Library</h1>", to: "<h1>Library v2</h1>", shows: "<h1>Library v2</h1>" },
    v3: {
      file: "catalog/views.py",
      line: "import catalog_v3_missing_module\n",
      error: /ModuleNotFoundError: No module named 'catalog_v3_missing_module'/,
    },
    database: {
      command: ["python", "manage.py", "showmigrations", "catalog", "auth"],
      expect: [/\[X\] 0001_initial/, /\[X\] 0002_book_copies_loan/, /\[X\] 0012_alter_user_first_name_max_length/],
    },
  },
  {
    app: "fastapi-inventory",
    page: "/",
    v1: '"service":"inventory"',
    v2: {
      file: "inventory/main.py",
      from: '{"service": "inventory",',
      to: '{"service": "inventory v2",',
      shows: '"service":"inventory v2"',
    },
    v3: {
      file: "inventory/main.py",
      line: "import inventory_v3_missing_module\n",
      error: /ModuleNotFoundError: No module named 'inventory_v3_missing_module'/,
    },
    database: {
      command: [
        "python",
        "-c",
        alembicProbe('print("warehouses=" + ",".join(c.execute(sa.text("select code from warehouses order by code")).scalars()))'),
      ],
      // The migration's rows, read from the database the app is given.
      expect: [/^alembic_version=a41be7c0d9e2$/m, /^warehouses=LHR1,MAN2$/m],
    },
    tools: "poetry",
  },
  {
    app: "express-pg-tasks",
    page: "/",
    v1: "<h1>Tasks</h1>",
    v2: { file: "public/index.html", from: "<h1>Tasks</h1>", to: "<h1>Tasks v2</h1>", shows: "<h1>Tasks v2</h1>" },
    v3: { file: "src/app.js", line: 'require("./v3-missing-module");\n', error: /Error: Cannot find module '\.\/v3-missing-module'/ },
    database: {
      command: [
        "node",
        "-e",
        [
          'const { Client } = require("pg");',
          "const c = new Client({ connectionString: process.env.DATABASE_URL });",
          "(async () => {",
          "  await c.connect();",
          '  const m = await c.query("select name from pgmigrations order by id");',
          '  console.log("migrations=" + m.rows.map((r) => r.name).join(","));',
          "  const col = await c.query(\"select column_name from information_schema.columns where table_name = 'tasks' order by 1\");",
          '  console.log("tasks=" + col.rows.map((r) => r.column_name).join(","));',
          "  await c.end();",
          "})().catch((e) => { console.error(e); process.exit(1); });",
        ].join("\n"),
      ],
      expect: [/^migrations=1718203374512_create-tasks,1721840022931_task-lists$/m, /^tasks=.*\blist\b/m],
    },
  },
  {
    app: "express-knex-mysql",
    page: "/",
    v1: '"service":"bookings"',
    v2: { file: "app.js", from: 'service: "bookings"', to: 'service: "bookings v2"', shows: '"service":"bookings v2"' },
    v3: { file: "app.js", line: 'require("./v3-missing-module");\n', error: /Error: Cannot find module '\.\/v3-missing-module'/ },
    database: {
      command: [
        "node",
        "-e",
        [
          'const knex = require("knex")(require("./knexfile"));',
          "(async () => {",
          '  const m = await knex("knex_migrations").select("name").orderBy("id");',
          '  console.log("migrations=" + m.map((r) => r.name).join(","));',
          '  console.log("bookings=" + (await knex.schema.hasTable("bookings")));',
          "  await knex.destroy();",
          "})().catch((e) => { console.error(e); process.exit(1); });",
        ].join("\n"),
      ],
      expect: [/^migrations=20240905101500_rooms\.js,20241019143012_bookings\.js$/m, /^bookings=true$/m],
    },
  },
  {
    app: "node-uploads",
    page: "/",
    v1: "uploads: GET /files",
    v2: { file: "src/main.js", from: "uploads: GET /files", to: "uploads v2: GET /files", shows: "uploads v2: GET /files" },
    v3: {
      file: "src/main.js",
      line: 'import "./v3-missing-module.js";\n',
      error: /Cannot find module '[^']*\/src\/v3-missing-module\.js'/,
    },
    // No database: the app stores files, and init writes no database for it.
  },
];

/** A folder with Poetry's program when the machine has none on PATH (installed once, from PyPI, into the cache). */
function poetryBin(): string | undefined {
  const onPath = (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, "poetry")));
  if (onPath) return undefined;
  const venv = join(cacheRoot(), `poetry-${poetryVersion}`);
  const bin = join(venv, "bin");
  if (!existsSync(join(bin, "poetry"))) {
    rmSync(venv, { recursive: true, force: true });
    mkdirSync(cacheRoot(), { recursive: true });
    const env = { ...process.env, PIP_CACHE_DIR: pipCache };
    execFileSync("python3", ["-m", "venv", venv], { env, stdio: "pipe" });
    execFileSync(join(bin, "pip"), ["install", "--disable-pip-version-check", "--no-input", `poetry==${poetryVersion}`], {
      env,
      stdio: "pipe",
      timeout: 600_000,
    });
  }
  return bin;
}

/** What a user's shell carries for the network and the toolchains: proxies, CA bundles, pip and pyenv settings. */
const passedThrough =
  /^(https?_proxy|no_proxy|all_proxy|ssl_cert_file|ssl_cert_dir|requests_ca_bundle|curl_ca_bundle|node_extra_ca_certs|pip_\w+|pyenv_\w+)$/i;

/** The environment slipway runs with here: PATH and HOME as the harness passes them, the network settings, download caches. */
function runEnv(extraPath: string | undefined): Record<string, string> {
  const network = Object.entries(process.env).filter((e): e is [string, string] => passedThrough.test(e[0]) && e[1] !== undefined);
  return {
    ...Object.fromEntries(network),
    PATH: [extraPath, process.env.PATH ?? ""].filter((p) => p !== undefined && p !== "").join(delimiter),
    PIP_CACHE_DIR: pipCache,
    POETRY_CACHE_DIR: poetryCache,
    npm_config_prefer_offline: "true",
    npm_config_update_notifier: "false",
  };
}

interface Load {
  total: number;
  failures: string[];
  revisions: Map<string, number>;
}

/**
 * Sends GETs to `url` from `concurrency` loops until `work` settles and then `after` more, never
 * more than `max` in all (loopback only). A failure is no answer or a status of 400 or above.
 */
async function underLoad(url: string, work: Promise<unknown>, options: { concurrency: number; after: number; max: number }): Promise<Load> {
  let settled = false;
  void work.finally(() => {
    settled = true;
  });
  let sent = 0;
  let sentAfter = 0;
  const load: Load = { total: 0, failures: [], revisions: new Map() };
  const loop = async () => {
    while (sent < options.max && !(settled && sentAfter >= options.after)) {
      sent++;
      if (settled) sentAfter++;
      try {
        const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(20_000) });
        await response.arrayBuffer();
        const revision = response.headers.get("x-slipway-revision") ?? "none";
        load.revisions.set(revision, (load.revisions.get(revision) ?? 0) + 1);
        if (response.status >= 400) load.failures.push(`HTTP ${response.status} from revision ${revision}`);
      } catch (error) {
        load.failures.push(
          error instanceof Error ? `${error.message} (${String((error as { cause?: unknown }).cause ?? "")})` : String(error),
        );
      }
      load.total++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  await work;
  return load;
}

async function page(url: string): Promise<{ status: number; body: string; revision: string | null }> {
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(20_000) });
  return { status: response.status, body: await response.text(), revision: response.headers.get("x-slipway-revision") };
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing: the test's corpus facts are stale`);
  writeFileSync(path, after);
}

function explain(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout.slice(-6000)}\n--- stderr\n${run.stderr.slice(-6000)}`;
}

/** Every Secret name and key the rendered pods read (env valueFrom and envFrom). */
function secretKeys(objects: KubeObject[]): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === "object") {
      const ref = (value as { secretKeyRef?: { name: string; key: string } }).secretKeyRef;
      if (ref) {
        const set = keys.get(ref.name) ?? new Set<string>();
        set.add(ref.key);
        keys.set(ref.name, set);
      }
      for (const v of Object.values(value)) visit(v);
    }
  };
  visit(objects);
  return keys;
}

let poetry: string | undefined;

beforeAll(() => {
  if (corpus.some((c) => c.tools === "poetry")) poetry = poetryBin();
}, 900_000);

describe.each(corpus)("$app, from an unedited init --yes", (corpusApp) => {
  const { app } = corpusApp;
  let parent = "";
  let dir = "";
  let env: Record<string, string> = {};
  let proxy = "";
  let spec: { name: string; app: { port: number }; database?: { engine: string } } | undefined;
  let v1: number | undefined;
  let v2: number | undefined;

  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), "slipway-corpus-"));
    // 755 so PostgreSQL, which runs as its own user, can reach .slipway/ inside; the folder keeps
    // the app's name (init names an app without a package name after its folder).
    chmodSync(parent, 0o755);
    dir = join(parent, app);
  });

  afterAll(async () => {
    if (existsSync(join(dir, "slipway.yaml"))) await slipway(dir, ["down", "-e", "local", "--json"], env);
    rmSync(parent, { recursive: true, force: true });
  }, 120_000);

  it("init --yes writes a spec with a local environment (only the proxy port changed after)", async () => {
    cpSync(join(appsDir, app), dir, { recursive: true });
    env = runEnv(corpusApp.tools === "poetry" ? poetry : undefined);
    const init = await slipway(dir, ["init", "--yes"], env);
    expect(init.code, explain(init)).toBe(0);
    const port = await freePort();
    edit(dir, "slipway.yaml", (text) => text.replace(/^( {4}port: )4000\b/m, `$1${port}`));
    proxy = `http://127.0.0.1:${port}`;
    spec = parse(readFileSync(join(dir, "slipway.yaml"), "utf8")) as typeof spec;
    expect((spec as unknown as { targets: { local: { port: number } } }).targets.local.port).toBe(port);
    expect(Boolean(spec?.database)).toBe(corpusApp.database !== undefined);
  });

  it("deploy -e local serves / through the proxy, with the migrations in the database", async () => {
    const run = await slipway(dir, ["deploy", "-e", "local", "--json"], env);
    expect(run.final, explain(run)).toMatchObject({ ok: true });
    v1 = run.final?.result?.revision as number;
    const root = await page(`${proxy}/`);
    expect(root.status, root.body).toBeGreaterThanOrEqual(200);
    expect(root.status, root.body).toBeLessThan(400);
    expect(root.revision).toBe(String(v1));
    const shown = await page(`${proxy}${corpusApp.page}`);
    expect(shown.status, shown.body).toBe(200);
    expect(shown.body).toContain(corpusApp.v1);

    if (corpusApp.database) {
      const probe = await slipway(dir, ["exec", "-e", "local", "--", ...corpusApp.database.command], env);
      expect(probe.code, explain(probe)).toBe(0);
      for (const fact of corpusApp.database.expect) expect(probe.stdout).toMatch(fact);
    }
  }, 900_000);

  it("v2 deploys while a load loop hits the proxy: no request fails", async () => {
    if (v1 === undefined) throw new Error("needs the v1 deploy, which failed above");
    edit(dir, corpusApp.v2.file, (text) => text.replace(corpusApp.v2.from, corpusApp.v2.to));
    const deploy = start(dir, ["deploy", "-e", "local", "--json"], env);
    const run = finished(deploy);
    const load = await underLoad(`${proxy}/`, run, { concurrency: 4, after: 200, max: 200_000 });
    const result = await run;
    expect(result.final, explain(result)).toMatchObject({ ok: true });
    v2 = result.final?.result?.revision as number;
    expect(load.failures.slice(0, 10), `${load.failures.length} of ${load.total} requests failed`).toEqual([]);
    // The loop ran across the switch: both releases answered it.
    expect([...load.revisions.keys()].sort()).toEqual([String(v1), String(v2)].sort());
    const shown = await page(`${proxy}${corpusApp.page}`);
    expect(shown.body).toContain(corpusApp.v2.shows);
    expect(shown.revision).toBe(String(v2));
  }, 900_000);

  it("a broken v3 is rolled back with the error line in the evidence, and v2 still serves", async () => {
    if (v2 === undefined) throw new Error("needs the v2 deploy, which failed above");
    edit(dir, corpusApp.v3.file, (text) => corpusApp.v3.line + text);
    const run = await slipway(dir, ["deploy", "-e", "local", "--json"], env);
    expect(run.code, explain(run)).toBe(1);
    const error = run.final?.error as { code?: string; failure?: { class: string; evidence?: unknown } } | undefined;
    expect(error?.code, explain(run)).toBe("DEPLOY_FAILED");
    expect(JSON.stringify(error?.failure?.evidence ?? null), explain(run)).toMatch(corpusApp.v3.error);
    expect(run.events.some((e) => e.type === "rolled-back")).toBe(true);
    const shown = await page(`${proxy}${corpusApp.page}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain(corpusApp.v2.shows);
    expect(shown.revision).toBe(String(v2));
  }, 900_000);

  it("render kubernetes -e staging is admitted by the cluster and Available, with PORT on the container", async () => {
    if (!spec) throw new Error("needs init's spec, which failed above");
    const render = await slipway(dir, ["render", "kubernetes", "-e", "staging"], env);
    expect(render.code, explain(render)).toBe(0);
    // The render's own namespace (the app's name) moved to a unique one: the cluster is shared.
    const namespace = `corpus-${app}-${randomBytes(3).toString("hex")}`;
    const objects = parseAllDocuments(render.stdout)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null);
    for (const o of objects) {
      if (o.kind === "Namespace") o.metadata.name = namespace;
      else if (o.metadata.namespace !== undefined) o.metadata.namespace = namespace;
    }
    const [ns, ...rest] = objects;
    expect(ns?.kind).toBe("Namespace");
    const apply = ["apply", "--server-side", "--field-manager=slipway", "--validate=strict", "-f", "-"];
    try {
      await kubectlOk(kubeconfig, apply, { input: stringify(ns) });
      const stream = rest.map((o) => stringify(o)).join("---\n");
      const dry = await kubectl(kubeconfig, [...apply, "--dry-run=server"], { input: stream });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stderr).not.toMatch(/Warning/i);
      // The Secrets a team creates for it (app secrets; the database's host, password and composed url).
      for (const [name, keys] of secretKeys(rest)) {
        const literals = [...keys].map((key) =>
          key === "url"
            ? `--from-literal=url=${spec?.database?.engine === "mysql" ? "mysql" : "postgresql"}://app:${randomBytes(6).toString("hex")}@db.internal:5432/app`
            : `--from-literal=${key}=${randomBytes(8).toString("hex")}`,
        );
        await kubectlOk(kubeconfig, ["-n", namespace, "create", "secret", "generic", name, ...literals]);
      }
      const applied = await kubectl(kubeconfig, apply, { input: stream });
      expect(applied.code, applied.stderr).toBe(0);
      const name = spec.name;
      await waitFor(
        `deployment/${name} in ${namespace} Available`,
        async () => {
          const d = await getJson<{ status: { availableReplicas?: number; conditions?: { type: string; status: string }[] } }>(kubeconfig, [
            "-n",
            namespace,
            "deployment",
            name,
          ]);
          const available = d.status.conditions?.find((c) => c.type === "Available")?.status === "True";
          return available && (d.status.availableReplicas ?? 0) >= 1 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const pods = await getJson<{ items: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } }[] }>(
        kubeconfig,
        ["-n", namespace, "pods", "-l", "app.kubernetes.io/component=web"],
      );
      expect(pods.items.length).toBeGreaterThanOrEqual(1);
      const container = pods.items[0]?.spec.containers[0];
      expect(container?.env?.find((e) => e.name === "PORT")?.value).toBe(String(spec.app.port));
      expect(container?.env?.find((e) => e.name === "HOST")?.value).toBe("0.0.0.0");
    } finally {
      await kubectl(kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
    }
  }, 300_000);
});
