/*
 * examples/node-postgres deployed as containers by the host target, with its PostgreSQL accessory:
 * a real sshd, Podman, Caddy and PostgreSQL 15 (Debian's packages, the official image's layout). The
 * example's code and slipway.yaml as written, plus one environment on a host target; its image is
 * the example's files (dependencies from its lockfile) on a Debian base with Node, since its own
 * Dockerfile starts from a registry image. `host setup` makes the accessory and the app user, the
 * deploy runs `node migrate.js` and serves `/ready` (SELECT 1 through DATABASE_URL).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet as get, hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { caddyImage, debianBase, podmanEnv } from "../../helpers/podman.js";
import { runCli } from "../../helpers/run-cli.js";

const podman = podmanEnv();
const base = "env" in podman ? debianBase(podman.env, ["nodejs", "postgresql"]) : { missing: "no podman" };
const { skip, podmanVars } = hostTestNeeds("host node-postgres", [
  "missing" in base ? `Debian base with postgresql: ${base.missing}` : undefined,
]);

const app = "node-postgres";
const environment = "server";
const names = {
  network: `slipway-${app}-${environment}`,
  container: `slipway-${app}-${environment}-db`,
  volume: `slipway-${app}-${environment}-db-data`,
};

let root = "";
let sshdDir = "";
let fingerprint = "";
let proxyPort = 0;
let serverDir = "";
let dbImage = "";
let appImage = "";

const podmanRun = (args: string[]) =>
  spawnSync("podman", args, { env: { ...process.env, ...podmanVars }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

function build(tag: string, containerfile: string, files: Record<string, string> = {}, withApp?: string): string {
  const context = join(root, `ctx-${tag.replace(/[^a-z0-9]/g, "-")}`);
  execFileSync("mkdir", ["-p", context]);
  if (withApp !== undefined) cpSync(withApp, join(context, "app"), { recursive: true });
  execFileSync("sh", ["-c", `cat > "$1"`, "sh", join(context, "Containerfile")], { input: containerfile });
  for (const [name, text] of Object.entries(files)) execFileSync("sh", ["-c", `cat > "$1"`, "sh", join(context, name)], { input: text });
  const r = podmanRun(["build", "--quiet", "--network", "host", "-t", tag, context]);
  if (r.status !== 0) throw new Error(`podman build ${tag}: ${r.stderr}`);
  return tag;
}

const cli = (args: string[]) =>
  runCli([...args, "-f", join(root, "app", "slipway.yaml"), "-e", environment], {
    cwd: join(root, "app"),
    env: { PATH: process.env.PATH ?? "", ...podmanVars },
  });
const envDir = () => join(serverDir, app, environment);
const secret = (who: "admin" | "app") => readFile(join(envDir(), "db", `${who}.password`), "utf8");

beforeAll(async () => {
  if (skip || "missing" in base) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostnp-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  const sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  dbImage = build(
    "localhost/slipway-test/host-np-postgres:15",
    `FROM ${base.ref}
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /var/lib/postgresql/data /var/run/postgresql && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql && chmod 2777 /var/run/postgresql
`,
  );
  // The example's code with its locked dependencies (npm ci here: the base has Debian's Node, no npm);
  // its own Dockerfile starts FROM an image on a registry this machine cannot reach.
  const dir = join(root, "app");
  cpSync(resolve("examples/node-postgres"), dir, {
    recursive: true,
    filter: (p) => !p.includes("node_modules") && !p.includes(".slipway"),
  });
  execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, stdio: "ignore" });
  appImage = build(
    "localhost/slipway-test/host-node-postgres:1.0.0",
    `FROM ${base.ref}\nENV NODE_ENV=production\nWORKDIR /app\nCOPY app/ /app/\nUSER 10001:10001\nCMD ["node", "server.js"]\n`,
    {},
    dir,
  );
  proxyPort = freePort();
  serverDir = join(root, "srv");
  // The example's slipway.yaml as written, plus an environment on a host target (one replica).
  const spec = readFileSync(join(dir, "slipway.yaml"), "utf8")
    .replace("image: ghcr.io/slipway-examples/node-postgres:1.0.0", `image: ${appImage}`)
    .replace(/^environments:\n/m, `environments:\n  ${environment}:\n    target: server\n    app: { scale: { min: 1, max: 1 } }\n`)
    .replace(
      /^targets:\n/m,
      `targets:\n  server:\n    type: host\n    ssh: root@127.0.0.1:${sshPort}\n    identity: ${join(sshdDir, "client_key")}\n    port: ${proxyPort}\n    dir: ${serverDir}\n    proxy: { image: ${caddyImage(podmanVars)} }\n    database: { image: ${dbImage} }\n`,
    );
  await writeFile(join(dir, "slipway.yaml"), spec);
}, 900_000);

afterAll(async () => {
  if (skip || root === "") return;
  await cli(["down"]).catch(() => undefined);
  if (sshdDir !== "") stopSshd(sshdDir);
  // Only what this test made: its containers, network, volume and images.
  for (const name of podmanRun(["ps", "--all", "--filter", `label=dev.slipway.app=${app}`, "--format", "{{.Names}}"]).stdout.split("\n"))
    if (name.trim() !== "") podmanRun(["rm", "--force", "--time", "5", name.trim()]);
  podmanRun(["volume", "rm", "--force", names.volume]);
  podmanRun(["network", "rm", "--force", names.network]);
  podmanRun(["rmi", "--force", appImage, dbImage]);
  await rm(root, { recursive: true, force: true });
}, 180_000);

describe.skipIf(skip)("host target: the node-postgres example with its PostgreSQL accessory", () => {
  it("host setup, then deploy: migrate.js runs as the app user, /ready answers through the database, no password in the output", async () => {
    const runtimeEnv = Object.entries(podmanVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
    const setup = await cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv]);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    expect(setup.stdout).toContain(`container ${names.container}: started`);
    expect(setup.stdout).toContain("database user node_postgres_app: created");
    const deployed = await cli(["deploy", "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    const ready = await get(proxyPort, "/ready");
    expect(ready).toMatchObject({ status: 200 });
    // The migrations ran as the app user and their tables are there (visible through the app's own user).
    const query =
      'const { createClient } = await import("/app/db.js"); const c = createClient(); await c.connect(); const r = await c.query("SELECT tablename FROM pg_tables WHERE schemaname = \'public\' ORDER BY 1"); console.log(r.rows.map((x) => x.tablename).join(",")); await c.end();';
    // Slipway's own flags before `--`: everything after it is the command (node's own -e).
    const tables = await runCli(
      ["exec", "-f", join(root, "app", "slipway.yaml"), "-e", environment, "--", "node", "--input-type=module", "-e", query],
      { cwd: join(root, "app"), env: { PATH: process.env.PATH ?? "", ...podmanVars } },
    );
    expect(tables.code, tables.stderr + tables.stdout).toBe(0);
    expect(tables.stdout).toContain("schema_migrations");
    for (const who of ["admin", "app"] as const) {
      const value = await secret(who);
      expect(deployed.stdout + deployed.stderr + setup.stdout + tables.stdout).not.toContain(value);
    }
  }, 900_000);
});
