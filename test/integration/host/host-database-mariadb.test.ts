/*
 * The host target's MariaDB accessory (`database.engine: mysql`) through the CLI, with real parts
 * only: a real sshd, Podman and Caddy, and MariaDB 10.11 from Debian's packages in an image built
 * here in the official mariadb image's layout. host setup creates the passwords, the data
 * (mariadb-install-db), the container and the admin and app accounts, a second run changes nothing,
 * a deploy's migrate and app reach it as the app user, which cannot create a database. db backup
 * (mariadb-dump in the container, 0600 with its manifest), a dropped table brought back by db restore,
 * db drill into a scratch database (migrated, counted, dropped) that golive sees, a damaged dump refused.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet as get, hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { caddyImage, debianBase, podmanEnv } from "../../helpers/podman.js";
import { runCli } from "../../helpers/run-cli.js";

const podman = podmanEnv();
const base = "env" in podman ? debianBase(podman.env, ["mariadb-server", "nodejs"]) : { missing: "no podman" };
const { skip, podmanVars } = hostTestNeeds("host MariaDB", [
  "missing" in base ? `Debian base with mariadb-server: ${base.missing}` : undefined,
]);

const app = "hostmaria";
const names = {
  network: `slipway-${app}-production`,
  container: `slipway-${app}-production-db`,
  volume: `slipway-${app}-production-db-data`,
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

function build(tag: string, containerfile: string, files: Record<string, string> = {}): string {
  const context = join(root, `ctx-${tag.replace(/[^a-z0-9]/g, "-")}`);
  execFileSync("mkdir", ["-p", context]);
  execFileSync("sh", ["-c", `cat > "$1"`, "sh", join(context, "Containerfile")], { input: containerfile });
  for (const [name, text] of Object.entries(files)) execFileSync("sh", ["-c", `cat > "$1"`, "sh", join(context, name)], { input: text });
  const r = podmanRun(["build", "--quiet", "--network", "host", "-t", tag, context]);
  if (r.status !== 0) throw new Error(`podman build ${tag}: ${r.stderr}`);
  return tag;
}

const cli = (args: string[]) =>
  runCli([...args, "-f", join(root, "app", "slipway.yaml"), "-e", "production"], {
    cwd: join(root, "app"),
    env: { PATH: process.env.PATH ?? "", ...podmanVars },
  });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop() as string);
const envDir = () => join(serverDir, app, "production");
const secret = (who: "admin" | "app") => readFile(join(envDir(), "db", `${who}.password`), "utf8");

/** The app: / answers `maria-app`, /health runs a query as DB_USER (password from MYSQL_PWD, never argv) and answers 200 with its rows. */
const serverJs = `const http = require("node:http");
const { execFile } = require("node:child_process");
const env = { ...process.env, MYSQL_PWD: process.env.DB_PASSWORD };
http.createServer((req, res) => {
  if (req.url !== "/health") { res.end("maria-app\\n"); return; }
  const args = ["-h", process.env.DB_HOST, "-P", process.env.DB_PORT, "-u", process.env.DB_USER, "-D", process.env.DB_NAME, "-N", "-B", "-e", "SELECT CONCAT(CURRENT_USER(), ' ', COUNT(*)) FROM visits"];
  execFile("mariadb", args, { env }, (error, stdout, stderr) => {
    res.statusCode = error ? 503 : 200;
    res.end(error ? stderr : stdout);
  });
}).listen(8080);
`;

beforeAll(async () => {
  if (skip || "missing" in base) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostmaria-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  const sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  // The official mariadb image's layout on Debian's MariaDB 10.11: an empty /var/lib/mysql and /run/mysqld owned by mysql.
  dbImage = build(
    "localhost/slipway-test/host-mariadb:10.11",
    `FROM ${base.ref}
RUN rm -rf /var/lib/mysql/* && mkdir -p /run/mysqld && chown mysql:mysql /var/lib/mysql /run/mysqld
`,
  );
  appImage = build(
    "localhost/slipway-test/host-maria-app:v1",
    `FROM ${base.ref}\nCOPY server.js /app/server.js\nCMD ["node", "/app/server.js"]\n`,
    { "server.js": serverJs },
  );
  proxyPort = freePort();
  serverDir = join(root, "srv");
  await mkdir(join(root, "app"));
  await writeFile(
    join(root, "app", "slipway.yaml"),
    `name: ${app}
app:
  image: ${appImage}
  port: 8080
  health: /health
  scale: { min: 1, max: 1 }
  release:
    migrate: [sh, -c, 'MYSQL_PWD="$DB_PASSWORD" mariadb -h "$DB_HOST" -u "$DB_USER" "$DB_NAME" -e "CREATE TABLE IF NOT EXISTS visits (id INT)" && echo "migrated as $DB_USER"']
database:
  engine: mysql
  version: "10.11"
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:${sshPort}
    identity: ${join(sshdDir, "client_key")}
    port: ${proxyPort}
    dir: ${serverDir}
    proxy: { image: ${caddyImage(podmanVars)} }
    database:
      image: ${dbImage}
`,
  );
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

describe.skipIf(skip)("host target: the MariaDB accessory", () => {
  it("host setup creates the passwords, data, container and accounts; a second run changes nothing", async () => {
    const runtimeEnv = Object.entries(podmanVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
    const setup = await cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv, "--json"]);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    const db = join(envDir(), "db");
    expect(lastJson(setup.stdout).result.changes).toEqual(
      expect.arrayContaining([
        `${db}/admin.password: generated the database admin's password (0600, not shown)`,
        `volume ${names.volume}: MariaDB initialised (system tables; accounts below)`,
        `container ${names.container}: started (${dbImage}, network ${names.network}, no published port)`,
        `database admin slipway_admin: created (all privileges, from the network only; password in ${db}/admin.password)`,
        "database user hostmaria_app: created (all privileges on hostmaria only)",
        "database hostmaria: created (owner slipway_admin; hostmaria_app may connect and create tables)",
      ]),
    );
    for (const who of ["admin", "app"] as const) expect(setup.stdout + setup.stderr).not.toContain(await secret(who));
    const again = await cli(["host", "setup"]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toContain("nothing to change");
    expect(again.stdout).toContain(`database: MariaDB answers in ${names.container}`);
  }, 600_000);

  it("deploys an app that reaches the database as its own user; that user cannot create a database; no password in any output", async () => {
    const deployed = await cli(["deploy", "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    expect(deployed.stdout).toContain("migrated as hostmaria_app");
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostmaria_app@% 0\n" });
    const appEnv = await readFile(join(envDir(), "releases", "1", "app.env"), "utf8");
    expect(appEnv).toContain(`DATABASE_URL=mysql://hostmaria_app:${await secret("app")}@${names.container}:3306/hostmaria\n`);
    const create = await cli([
      "exec",
      "--",
      "sh",
      "-c",
      'MYSQL_PWD="$DB_PASSWORD" mariadb -h "$DB_HOST" -u "$DB_USER" -e "CREATE DATABASE other" 2>&1',
    ]);
    expect(create.code).not.toBe(0);
    expect(create.stdout).toContain("Access denied");
    const history = await cli(["history", "--json"]);
    for (const text of [deployed.stdout, deployed.stderr, history.stdout, create.stdout]) {
      expect(text).not.toContain(await secret("admin"));
      expect(text).not.toContain(await secret("app"));
    }
    // The admin logs in over the network with its password (what a setup phase would use).
    const admin = podmanRun([
      "run",
      "--rm",
      "--network",
      names.network,
      "--env",
      `MYSQL_PWD=${await secret("admin")}`,
      dbImage,
      "mariadb",
      "-h",
      names.container,
      "-u",
      "slipway_admin",
      "-N",
      "-B",
      "-e",
      "SELECT CURRENT_USER()",
    ]);
    expect(admin.stdout.trim(), admin.stderr).toBe("slipway_admin@%");
  }, 600_000);

  it("db backup dumps with mariadb-dump on the server; a dropped table comes back with db restore --yes", async () => {
    const sql = (statement: string) =>
      cli(["exec", "--", "sh", "-c", `MYSQL_PWD="$DB_PASSWORD" mariadb -h "$DB_HOST" -u "$DB_USER" "$DB_NAME" -e "${statement}"`]);
    expect((await sql("INSERT INTO visits VALUES (1), (2), (3)")).code).toBe(0);
    const backup = await cli(["db", "backup", "--json"]);
    expect(backup.code, backup.stderr + backup.stdout).toBe(0);
    const { file, manifest } = lastJson(backup.stdout).result;
    expect(file.startsWith(join(envDir(), "backups"))).toBe(true);
    expect(manifest).toMatchObject({ engine: "mysql", database: "hostmaria" });
    expect(manifest.tables).toContainEqual({ name: "visits", rows: 3 });
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]).toBe(manifest.sha256);

    expect((await sql("DROP TABLE visits")).code).toBe(0);
    expect(await get(proxyPort, "/health")).toMatchObject({ status: 503 });
    const refused = await cli(["db", "restore", "--from", "latest"]);
    expect(refused.stderr).toContain("DB_RESTORE_NEEDS_YES");
    const restored = await cli(["db", "restore", "--from", "latest", "--yes", "--json"]);
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    expect(lastJson(restored.stdout).result.tables).toContainEqual({ name: "visits", rows: 3 });
    expect(existsSync(lastJson(restored.stdout).result.preRestore)).toBe(true);
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostmaria_app@% 3\n" });
    for (const text of [backup.stdout, backup.stderr, restored.stdout, restored.stderr]) {
      expect(text).not.toContain(await secret("admin"));
      expect(text).not.toContain(await secret("app"));
    }
  }, 600_000);

  it("db drill loads the backup into a scratch database, migrates and counts it, drops it; golive sees it; a damaged dump fails", async () => {
    const drill = await cli(["db", "drill", "--json"]);
    expect(drill.code, drill.stderr + drill.stdout).toBe(0);
    const result = lastJson(drill.stdout).result;
    expect(result).toMatchObject({ ok: true, engine: "mysql", migrated: true });
    expect(result.tables).toContainEqual({ name: "visits", rows: 3 });
    expect(typeof result.rtoSeconds).toBe("number");
    const left = podmanRun([
      "exec",
      "--user",
      "mysql",
      names.container,
      "mariadb",
      "--no-defaults",
      "--protocol=socket",
      "--socket=/run/mysqld/mysqld.sock",
      "--user=mysql",
      "-N",
      "-B",
      "-e",
      "SHOW DATABASES LIKE 'slipway\\_drill\\_%'",
    ]);
    expect(left.status, left.stderr).toBe(0);
    expect(left.stdout.trim()).toBe("");
    const golive = await cli(["golive", "--json"]);
    const gates = lastJson(golive.stdout).result.gates as { id: string; status: string }[];
    expect(gates.find((g) => g.id === "backups")).toMatchObject({ status: "pass" });
    expect(gates.find((g) => g.id === "drill")).toMatchObject({ status: "pass" });

    const backups = join(envDir(), "backups");
    const latest = (result.file as string).slice(backups.length + 1);
    const damaged = "29991231T235959999Z-r1.sql";
    const manifestOf = (name: string) => join(backups, name.replace(/\.sql$/, ".manifest.json"));
    execFileSync("cp", [manifestOf(latest), manifestOf(damaged)]);
    execFileSync("sh", ["-c", 'cp "$1/$2" "$1/$3" && printf "x" >>"$1/$3"', "sh", backups, latest, damaged]);
    const bad = await cli(["db", "drill", "--from", damaged]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("DB_BACKUP_CORRUPT");
    expect(bad.stderr).toContain(`backup ${damaged} is damaged`);
    await rm(join(backups, damaged));
    await rm(manifestOf(damaged));
    for (const text of [drill.stdout, drill.stderr, golive.stdout, bad.stderr]) {
      expect(text).not.toContain(await secret("admin"));
      expect(text).not.toContain(await secret("app"));
    }
  }, 600_000);
});
