/*
 * The host target's database accessory through the CLI (in process), with real parts only: a real
 * sshd on 127.0.0.1, Podman on the "server" (this machine, the test Podman configuration), Caddy,
 * and PostgreSQL 15 from Debian's packages in an image built here (debianBase with `postgresql`,
 * the binaries put on PATH and the official image's layout: a `postgres` user owning
 * /var/lib/postgresql/data and /var/run/postgresql). The app image (same base: node + psql) answers
 * /health only after a query through DATABASE_URL.
 *
 * host setup creates the network, the volume, the passwords (0600, never printed), the data
 * (initdb), the container and the app's least-privilege user; a second run changes nothing; a
 * deploy (setup phase as the admin, migrate and the web containers as the app user) serves; the
 * app user can neither create a database nor reach another one; a stopped database is started by
 * the next deploy; down stops it and keeps the volume; a removed container is a clear
 * `database-unreachable` until setup puts it back over the same data.
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
const base = "env" in podman ? debianBase(podman.env, ["nodejs", "postgresql"]) : { missing: "no podman" };
const { skip, podmanVars } = hostTestNeeds("host database", [
  "missing" in base ? `Debian base with postgresql: ${base.missing}` : undefined,
]);

const app = "hostdb";
const proxyName = `slipway-${app}-production-proxy`;
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

/** The app: / answers `db-app`, /health runs a query through DATABASE_URL and answers 200 with its rows (503 until it works). */
const serverJs = `const http = require("node:http");
const { execFile } = require("node:child_process");
http.createServer((req, res) => {
  if (req.url !== "/health") { res.end("db-app\\n"); return; }
  execFile("psql", [process.env.DATABASE_URL, "-tAc", "SELECT current_user || ' ' || count(*) FROM visits"], (error, stdout, stderr) => {
    res.statusCode = error ? 503 : 200;
    res.end(error ? stderr : stdout);
  });
}).listen(8080);
`;

beforeAll(async () => {
  if (skip || "missing" in base) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostdb-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  const sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  // The official image's layout on Debian's PostgreSQL 15: binaries on PATH, the postgres user owning the data and socket folders.
  dbImage = build(
    "localhost/slipway-test/host-postgres:15",
    `FROM ${base.ref}
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /var/lib/postgresql/data /var/run/postgresql && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql && chmod 2777 /var/run/postgresql
`,
  );
  appImage = build(
    "localhost/slipway-test/host-db-app:v1",
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
    setup: [sh, -c, 'echo "setup connects as $DB_USER to $DATABASE_URL"; psql "$DATABASE_URL" -tAc "SELECT 1" >/dev/null && echo setup-ok']
    migrate: [sh, -c, 'psql "$DATABASE_URL" -c "CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY)" && echo "migrated as $DB_USER"']
database:
  engine: postgres
  version: "15"
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

describe.skipIf(skip)("host target: the PostgreSQL accessory", () => {
  it("host setup creates the passwords (0600, never printed), network, volume, data, container and app user", async () => {
    const runtimeEnv = Object.entries(podmanVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
    const setup = await cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv, "--json"]);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    const changes: string[] = lastJson(setup.stdout).result.changes;
    const db = join(envDir(), "db");
    expect(changes).toEqual(
      expect.arrayContaining([
        `${db}: created (0700)`,
        `${db}/admin.password: generated the database admin's password (0600, not shown)`,
        `${db}/app.password: generated the database app user's password (0600, not shown)`,
        `network ${names.network}: created`,
        `volume ${names.volume}: created`,
        `volume ${names.volume}: PostgreSQL initialised (superuser slipway_admin, password in ${db}/admin.password)`,
        `container ${names.container}: started (${dbImage}, network ${names.network}, no published port)`,
        "database user hostdb_app: created (login only; no superuser, createdb or createrole)",
        "database hostdb: created (owner slipway_admin; hostdb_app may connect and create tables)",
      ]),
    );
    for (const who of ["admin", "app"] as const) {
      const value = await secret(who);
      expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
      expect((statSync(join(db, `${who}.password`)).mode & 0o777).toString(8)).toBe("600");
      expect(setup.stdout + setup.stderr).not.toContain(value);
    }
    // Not published: the container has no port on the host, and it is on the environment's network only.
    const inspect = podmanRun([
      "inspect",
      "--format",
      "{{json .HostConfig.PortBindings}} {{.HostConfig.RestartPolicy.Name}}",
      names.container,
    ]);
    expect(inspect.stdout.trim()).toMatch(/^(\{\}|null) unless-stopped$/);
    // No password on any command line of the server's processes.
    const admin = await secret("admin");
    const cmdlines = execFileSync("sh", ["-c", "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\000' ' '"], { encoding: "utf8" });
    expect(cmdlines).not.toContain(admin);
  }, 600_000);

  it("a second host setup changes nothing", async () => {
    const again = await cli(["host", "setup"]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toContain("nothing to change");
    expect(again.stdout).toContain(`database: PostgreSQL answers in ${names.container}`);
  }, 300_000);

  it("deploys: setup as the admin, migrate and the app as the app user, through DATABASE_URL; no password in any output or record", async () => {
    const deployed = await cli(["deploy", "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    const out = deployed.stdout + deployed.stderr;
    expect(out).toContain("setup connects as slipway_admin to postgresql://slipway_admin:");
    expect(out).toContain("setup-ok");
    expect(out).toContain("migrated as hostdb_app");
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 0\n" });
    expect(await get(proxyPort)).toEqual({ status: 200, body: "db-app\n" });
    const [admin, appPassword] = [await secret("admin"), await secret("app")];
    const history = await cli(["history", "--json"]);
    const status = await cli(["status", "--json"]);
    expect(lastJson(status.stdout).result.database).toEqual({ engine: "postgres", container: names.container, running: true });
    for (const text of [out, history.stdout, status.stdout]) {
      expect(text).not.toContain(admin);
      expect(text).not.toContain(appPassword);
    }
    for (const file of execFileSync("sh", ["-c", 'ls "$1"/*.json', "sh", join(envDir(), "history")], { encoding: "utf8" }).split("\n"))
      if (file !== "") expect(await readFile(file, "utf8")).not.toContain(admin);
    // The setup phase's env file (the admin password) is gone; the app's holds only the app user's.
    expect(existsSync(join(envDir(), "releases", "1", "setup.env"))).toBe(false);
    const appEnv = await readFile(join(envDir(), "releases", "1", "app.env"), "utf8");
    expect(appEnv).toContain(`DATABASE_URL=postgresql://hostdb_app:${appPassword}@${names.container}:5432/hostdb\n`);
    expect(appEnv).not.toContain(admin);
  }, 600_000);

  it("the app user is not a superuser, cannot create a database and cannot reach another one", async () => {
    const attributes = await cli([
      "exec",
      "--",
      "sh",
      "-c",
      `psql "$DATABASE_URL" -tAc "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"`,
    ]);
    expect(attributes.code, attributes.stderr).toBe(0);
    expect(attributes.stdout.trim()).toBe("f|f|f");
    const create = await cli(["exec", "--", "sh", "-c", 'psql "$DATABASE_URL" -c "CREATE DATABASE other" 2>&1']);
    expect(create.code).not.toBe(0);
    expect(create.stdout).toContain("permission denied to create database");
    const other = await cli(["exec", "--", "sh", "-c", 'psql "$(dirname "$DATABASE_URL")/postgres" -c "SELECT 1" 2>&1']);
    expect(other.code).not.toBe(0);
    expect(other.stdout).toContain('permission denied for database "postgres"');
    // What exec prints passes the redactor: the app's DATABASE_URL shows no password.
    const url = await cli(["exec", "--", "sh", "-c", 'echo "$DATABASE_URL"']);
    expect(url.stdout).toContain(`postgresql://hostdb_app:`);
    expect(url.stdout).not.toContain(await secret("app"));
  }, 300_000);

  it("a stopped database is started by the next deploy; a setup.env a killed deploy left behind is removed", async () => {
    expect(podmanRun(["stop", names.container]).status).toBe(0);
    // What a deploy killed during release.setup leaves: the admin's env file in its release folder.
    const leftover = join(envDir(), "releases", "1", "setup.env");
    await writeFile(leftover, "DB_PASSWORD=left-behind\n", { mode: 0o600 });
    const deployed = await cli(["deploy", "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(deployed.stdout).toContain(`starting the database container ${names.container}`);
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 0\n" });
  }, 600_000);

  it("db backup dumps the app's database on the server with a manifest; db restore --yes puts it back (after a pre-restore dump)", async () => {
    const insert = (n: number) =>
      cli([
        "exec",
        "--",
        "sh",
        "-c",
        `for i in $(seq ${n}); do psql "$DATABASE_URL" -qc "INSERT INTO visits DEFAULT VALUES" || exit 1; done`,
      ]);
    expect((await insert(3)).code).toBe(0);
    const backup = await cli(["db", "backup", "--json"]);
    expect(backup.code, backup.stderr + backup.stdout).toBe(0);
    const { file, manifest } = lastJson(backup.stdout).result;
    expect(file.startsWith(join(envDir(), "backups"))).toBe(true);
    expect(manifest.tables).toContainEqual({ name: "public.visits", rows: 3 });
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]).toBe(manifest.sha256);
    expect(await readFile(file, "utf8")).toContain("COPY public.visits");

    expect((await insert(2)).code).toBe(0);
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 5\n" });
    const refused = await cli(["db", "restore", "--from", "latest"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("DB_RESTORE_NEEDS_YES");
    const restored = await cli(["db", "restore", "--from", "latest", "--yes", "--json"]);
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    const result = lastJson(restored.stdout).result;
    expect(result.file).toBe(file);
    expect(existsSync(result.preRestore)).toBe(true);
    // The app (as its own user) reads the restored rows.
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 3\n" });
    for (const text of [backup.stdout, restored.stdout, restored.stderr]) {
      expect(text).not.toContain(await secret("admin"));
      expect(text).not.toContain(await secret("app"));
    }
  }, 600_000);

  it("a dropped table comes back with db restore; the counts equal the manifest's", async () => {
    const dropped = await cli(["exec", "--", "sh", "-c", 'psql "$DATABASE_URL" -qc "DROP TABLE visits"']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(await get(proxyPort, "/health")).toMatchObject({ status: 503 });
    const restored = await cli(["db", "restore", "--from", "latest", "--yes", "--json"]);
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    expect(lastJson(restored.stdout).result.tables).toContainEqual({ name: "public.visits", rows: 3 });
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 3\n" });
  }, 600_000);

  it("db drill restores the latest backup into a scratch database, migrates it, checks the counts, prints RTO/RPO and drops it; golive and runbook see it", async () => {
    // What a killed drill leaves: a scratch database; the next drill drops it.
    const adminSql = (sql: string) =>
      podmanRun(["exec", "--user", "postgres", names.container, "psql", "-U", "slipway_admin", "-d", "postgres", "-tAc", sql]);
    expect(adminSql('CREATE DATABASE "slipway_drill_19990101000000_dead"').status).toBe(0);
    const drill = await cli(["db", "drill", "--json"]);
    expect(drill.code, drill.stderr + drill.stdout).toBe(0);
    const result = lastJson(drill.stdout).result;
    expect(result).toMatchObject({ ok: true, engine: "postgres", migrated: true });
    expect(result.tables).toContainEqual({ name: "public.visits", rows: 3 });
    expect(typeof result.rtoSeconds).toBe("number");
    expect(result.rpoSeconds).toBeGreaterThanOrEqual(0);
    const human = await cli(["db", "drill"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/drill passed .*\.sql \(postgres, on the server\)/);
    expect(human.stdout).toMatch(/RTO \d+(\.\d+)? s/);
    expect(human.stdout).toMatch(/RPO \d+(\.\d+)? s/);
    // No scratch database is left; the live one is untouched.
    const left = podmanRun([
      "exec",
      "--user",
      "postgres",
      names.container,
      "psql",
      "-U",
      "slipway_admin",
      "-d",
      "postgres",
      "-tAc",
      "SELECT datname FROM pg_database WHERE datname LIKE 'slipway_drill_%'",
    ]);
    expect(left.status, left.stderr).toBe(0);
    expect(left.stdout.trim()).toBe("");
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 3\n" });

    // The db history on the server: backup, restore and drill entries, every file 0600.
    const historyDir = join(envDir(), "db-history");
    expect(statSync(historyDir).mode & 0o777).toBe(0o700);
    const entries = await Promise.all(
      execFileSync("sh", ["-c", 'ls "$1"', "sh", historyDir], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map(async (name) => {
          expect(statSync(join(historyDir, name)).mode & 0o777, name).toBe(0o600);
          return JSON.parse(await readFile(join(historyDir, name), "utf8"));
        }),
    );
    expect(entries.map((e) => `${e.action}:${e.ok}`)).toEqual(expect.arrayContaining(["backup:true", "restore:true", "drill:true"]));

    const golive = await cli(["golive", "--json"]);
    const gates = lastJson(golive.stdout).result.gates as { id: string; status: string; evidence: string }[];
    expect(gates.find((g) => g.id === "backups")).toMatchObject({ status: "pass" });
    expect(gates.find((g) => g.id === "drill")).toMatchObject({ status: "pass" });
    expect(gates.find((g) => g.id === "drill")?.evidence).toMatch(/RTO/);
    const runbook = await cli(["runbook"]);
    expect(runbook.code, runbook.stderr).toBe(0);
    expect(runbook.stdout).toMatch(/Last successful drill: \S+ of `\d{8}T\d{9}Z-r\d+\.sql`, RTO \d+(\.\d+)? s/);
    for (const text of [drill.stdout, drill.stderr, human.stdout, golive.stdout, runbook.stdout, JSON.stringify(entries)]) {
      expect(text).not.toContain(await secret("admin"));
      expect(text).not.toContain(await secret("app"));
    }
  }, 600_000);

  it("db drill of a damaged dump fails with DB_BACKUP_CORRUPT, and records the failed drill", async () => {
    const backups = join(envDir(), "backups");
    const latest = execFileSync("sh", ["-c", 'ls "$1" | grep -E "^[0-9T]+Z-r[0-9]+\\.sql$" | sort | tail -1', "sh", backups], {
      encoding: "utf8",
    }).trim();
    const damaged = "29991231T235959999Z-r1.sql";
    const manifestOf = (name: string) => join(backups, name.replace(/\.sql$/, ".manifest.json"));
    // A copy of the latest dump and its manifest under a later name, one byte changed in the dump.
    execFileSync("cp", [manifestOf(latest), manifestOf(damaged)]);
    execFileSync("sh", [
      "-c",
      'cp "$1/$2" "$1/$3" && sed -i "s/^COPY public.visits/COPY  public.visits/" "$1/$3"',
      "sh",
      backups,
      latest,
      damaged,
    ]);
    const drill = await cli(["db", "drill", "--from", damaged]);
    expect(drill.code).not.toBe(0);
    expect(drill.stderr).toContain("DB_BACKUP_CORRUPT");
    expect(drill.stderr).toContain(`backup ${damaged} is damaged`);
    expect(drill.stderr).not.toMatch(/\n\s+at /);
    const failed = execFileSync("sh", ["-c", 'cat "$1"/*-drill-*.json', "sh", join(envDir(), "db-history")], { encoding: "utf8" });
    expect(failed).toContain(`"file": "${damaged}"`);
    expect(failed).toContain('"ok": false');
    const history = await cli(["golive", "--json"]);
    // A failed drill does not hide the passed one.
    expect((lastJson(history.stdout).result.gates as { id: string; status: string }[]).find((g) => g.id === "drill")).toMatchObject({
      status: "pass",
    });
    await rm(join(backups, damaged));
    await rm(manifestOf(damaged));
  }, 300_000);

  it("after a power cut (every container and Caddy gone at once) the boot script brings back the database, the serving release and Caddy", async () => {
    const before = await get(proxyPort, "/health");
    expect(before).toMatchObject({ status: 200 });
    const serving = podmanRun(["ps", "--filter", `label=dev.slipway.app=${app}`, "--format", "{{.Names}}"])
      .stdout.split("\n")
      .filter((n) => /-r\d+-\d+$/.test(n));
    expect(serving.length).toBe(1);
    // The cut: every container of the environment, Caddy's too, stopped at once (`stop --time 0`
    // kills it and, as on a real boot, no restart policy of Podman's brings any back).
    const all = podmanRun(["ps", "--filter", `label=dev.slipway.app=${app}`, "--format", "{{.Names}}"])
      .stdout.trim()
      .split("\n");
    expect(all).toContain(names.container);
    expect(all).toContain(proxyName);
    expect(podmanRun(["stop", "--time", "0", ...all]).status).toBe(0);
    expect(await get(proxyPort, "/health")).toMatchObject({ error: expect.any(String) });

    // What systemd runs at boot: the script alone, with nothing from this test's environment.
    const script = join(envDir(), "boot.sh");
    expect((statSync(script).mode & 0o777).toString(8)).toBe("700");
    const boot = () =>
      spawnSync("env", ["-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/bin/sh", script], {
        encoding: "utf8",
        timeout: 180_000,
      });
    const first = boot();
    expect(first.status, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain(`slipway: started ${serving[0]}`);
    expect(first.stdout).toContain(`slipway: started ${proxyName}`);
    // The app's /health queries the database: the same answer as before the cut, once the app has booted.
    let after = await get(proxyPort, "/health");
    for (let i = 0; i < 60 && !("status" in after && after.status === 200); i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await get(proxyPort, "/health");
    }
    expect(after).toEqual(before);
    const running = podmanRun(["ps", "--filter", `label=dev.slipway.app=${app}`, "--format", "{{.Names}}"])
      .stdout.trim()
      .split("\n");
    expect(running.sort()).toEqual([names.container, proxyName, ...serving].sort());
    // Twice is harmless: Caddy answers, so it is left alone.
    const second = boot();
    expect(second.status, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toContain("slipway: caddy already answers");
    expect(await get(proxyPort, "/health")).toEqual(before);
    // slipway knows the Caddy the script started: status reads its routes, the next deploy switches through it.
    const deployed = await cli(["deploy"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    expect(await get(proxyPort, "/health")).toEqual(before);
  }, 600_000);

  it("down stops the database and keeps its volume; a removed container is database-unreachable until setup brings it back over the same data", async () => {
    const down = await cli(["down"]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(`database container ${names.container} (volume ${names.volume} kept)`);
    expect(podmanRun(["inspect", "--format", "{{.State.Running}}", names.container]).stdout.trim()).toBe("false");
    expect(podmanRun(["volume", "exists", names.volume]).status).toBe(0);
    // After down, the boot script starts nothing.
    const boot = spawnSync("env", ["-i", "PATH=/usr/bin:/bin", "/bin/sh", join(envDir(), "boot.sh")], { encoding: "utf8" });
    expect(boot.status, boot.stderr).toBe(0);
    expect(boot.stdout).toContain("is down or was never deployed: nothing to start");
    expect(podmanRun(["ps", "--filter", `label=dev.slipway.app=${app}`, "--format", "{{.Names}}"]).stdout.trim()).toBe("");
    expect(await get(proxyPort, "/health")).toMatchObject({ error: expect.any(String) });

    expect(podmanRun(["rm", names.container]).status).toBe(0);
    const refused = await cli(["deploy", "--json"]);
    expect(refused.code).not.toBe(0);
    const failure = lastJson(refused.stdout);
    expect(JSON.stringify(failure)).toContain("database-unreachable");
    expect(JSON.stringify(failure)).toContain("slipway host setup -e production");

    const setup = await cli(["host", "setup", "--json"]);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    // The data was kept: no initdb, no new user or database; only the container is new.
    expect(lastJson(setup.stdout).result.changes).toEqual([
      `container ${names.container}: started (${dbImage}, network ${names.network}, no published port)`,
      // `down` removed Caddy's container; setup starts a new one, which answers 503 until the deploy.
      `proxy container ${proxyName}: started (${caddyImage(podmanVars)}, network host, port ${proxyPort})`,
    ]);
    expect(await get(proxyPort, "/health")).toMatchObject({ status: 503 });
    const deployed = await cli(["deploy"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    // The same data as before the container was lost: the three restored rows.
    expect(await get(proxyPort, "/health")).toEqual({ status: 200, body: "hostdb_app 3\n" });
  }, 900_000);
});
