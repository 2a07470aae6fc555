import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  accessoryLabels,
  accessoryNames,
  containerImageArgv,
  defaultMariadbImage,
  defaultPostgresImage,
  dumpToFileArgv,
  dumpToFileScript,
  fileFactsArgv,
  mariadbAccountsSql,
  mariadbClientArgv,
  mariadbDropDatabaseSql,
  mariadbDumpArgv,
  mariadbInitArgv,
  mariadbInitScript,
  mariadbListPrefixedSql,
  mariadbLoadArgv,
  mariadbReadyArgv,
  mariadbRowCountSql,
  mariadbRunArgv,
  mariadbScratchSql,
  networkCreateArgv,
  networkDnsArgv,
  networkInspectArgv,
  parseAppUserOutput,
  postgresAppUserSql,
  postgresDropDatabaseSql,
  postgresDumpArgv,
  postgresInitArgv,
  postgresInitScript,
  postgresListPrefixedSql,
  postgresLoadArgv,
  postgresReadyArgv,
  postgresRunArgv,
  postgresScratchSql,
  psqlArgv,
  rowCountSql,
  secretFileArgv,
  startArgv,
  volumeCreateArgv,
  volumeInspectArgv,
  withStdinFromArgv,
} from "./database-accessory-commands.js";

const names = accessoryNames("shop", "production");
const labels = accessoryLabels("shop", "production");

describe("database accessory commands", () => {
  it("names the network, container and volume beside the release containers, and labels them apart from releases", () => {
    expect(names).toEqual({
      network: "slipway-shop-production",
      container: "slipway-shop-production-db",
      volume: "slipway-shop-production-db-data",
    });
    // Not dev.slipway.environment: the release listing (app + environment labels) never finds the database.
    expect(labels).toEqual({
      "dev.slipway.app": "shop",
      "dev.slipway.accessory": "database",
      "dev.slipway.accessory-of": "production",
    });
    expect(defaultPostgresImage("17")).toBe("docker.io/library/postgres:17");
    expect(defaultPostgresImage("16.4")).toBe("docker.io/library/postgres:16");
  });

  it("builds the network, volume, image and start commands as exact arrays", () => {
    expect(networkInspectArgv("podman", names.network)).toEqual([
      "podman",
      "network",
      "inspect",
      "--format",
      "{{.Name}}",
      "slipway-shop-production",
    ]);
    expect(networkCreateArgv("docker", names.network, labels)).toEqual([
      "docker",
      "network",
      "create",
      "--label",
      "dev.slipway.accessory=database",
      "--label",
      "dev.slipway.accessory-of=production",
      "--label",
      "dev.slipway.app=shop",
      "slipway-shop-production",
    ]);
    expect(networkDnsArgv(names.network)).toEqual([
      "podman",
      "network",
      "inspect",
      "--format",
      "{{.DNSEnabled}}",
      "slipway-shop-production",
    ]);
    expect(volumeInspectArgv("docker", names.volume)).toEqual(["docker", "volume", "inspect", "--format", "{{.Name}}", names.volume]);
    expect(volumeCreateArgv("podman", names.volume, { a: "1" })).toEqual(["podman", "volume", "create", "--label", "a=1", names.volume]);
    expect(containerImageArgv("docker", names.container)).toEqual(["docker", "inspect", "--format", "{{.Config.Image}}", names.container]);
    expect(startArgv("podman", names.container)).toEqual(["podman", "start", "slipway-shop-production-db"]);
  });

  it("initialises the data in a one-off container with no network, the admin password on stdin from the server's file", () => {
    const init = postgresInitArgv("podman", {
      container: names.container,
      volume: names.volume,
      image: "pg:15",
      adminUser: "slipway_admin",
    });
    expect(init).toEqual([
      "podman",
      "run",
      "--rm",
      "--interactive",
      "--name",
      "slipway-shop-production-db-init",
      "--user",
      "postgres",
      "--network",
      "none",
      "--volume",
      "slipway-shop-production-db-data:/var/lib/postgresql/data",
      "--entrypoint",
      "sh",
      "pg:15",
      "-c",
      postgresInitScript,
      "sh",
      "slipway_admin",
    ]);
    expect(withStdinFromArgv("/srv/db/admin.password", ["podman", "run"])).toEqual([
      "sh",
      "-c",
      'f=$1; shift; exec "$@" <"$f"',
      "sh",
      "/srv/db/admin.password",
      "podman",
      "run",
    ]);
    // The script: once only, password from stdin, local socket trusted, TCP by SCRAM from anywhere on the network.
    expect(postgresInitScript).toContain('if [ -s "$d/PG_VERSION" ]; then echo exists; exit 0; fi');
    expect(postgresInitScript).toContain('--username="$1" --pwfile=/dev/stdin --auth-local=trust --auth-host=scram-sha-256');
    expect(postgresInitScript).toContain("host all all all scram-sha-256");
  });

  it("runs the server detached on the environment's network only, restarted unless stopped, with a fast shutdown on stop", () => {
    expect(postgresRunArgv("docker", { names, image: "docker.io/library/postgres:17", labels: { a: "1" } })).toEqual([
      "docker",
      "run",
      "--detach",
      "--name",
      "slipway-shop-production-db",
      "--label",
      "a=1",
      "--restart",
      "unless-stopped",
      "--user",
      "postgres",
      "--network",
      "slipway-shop-production",
      "--volume",
      "slipway-shop-production-db-data:/var/lib/postgresql/data",
      "--stop-signal",
      "SIGINT",
      "--stop-timeout",
      "60",
      "--entrypoint",
      "postgres",
      "docker.io/library/postgres:17",
      "-D",
      "/var/lib/postgresql/data/pgdata",
      "-c",
      "listen_addresses=*",
    ]);
    expect(postgresRunArgv("podman", { names, image: "i", labels: {} })).not.toContain("--publish");
  });

  it("asks pg_isready and psql inside the container, as the superuser over the socket", () => {
    expect(postgresReadyArgv("podman", names.container, "slipway_admin")).toEqual([
      "podman",
      "exec",
      "--user",
      "postgres",
      "slipway-shop-production-db",
      "pg_isready",
      "--quiet",
      "--username",
      "slipway_admin",
      "--dbname",
      "postgres",
    ]);
    expect(psqlArgv("docker", names.container, "admin")).toEqual([
      "docker",
      "exec",
      "--interactive",
      "--user",
      "postgres",
      "slipway-shop-production-db",
      "psql",
      "--no-psqlrc",
      "--quiet",
      "--no-align",
      "--tuples-only",
      "--set",
      "ON_ERROR_STOP=1",
      "--username",
      "admin",
      "--dbname",
      "postgres",
    ]);
  });

  it("creates the app's database and least-privilege user idempotently, with a verifier and never the password", () => {
    const sql = postgresAppUserSql({
      database: "shop",
      user: "shop_app",
      adminUser: "slipway_admin",
      verifier: "SCRAM-SHA-256$4096:c2FsdA==$a:b",
    });
    expect(sql.split("\n")).toEqual([
      "SELECT 'created-role' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shop_app');",
      "SELECT 'created-database' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'shop');",
      "SELECT format('CREATE ROLE %I', 'shop_app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shop_app') \\gexec",
      `ALTER ROLE "shop_app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b';`,
      "SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L', 'shop', 'slipway_admin', 'UTF8') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'shop') \\gexec",
      "SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname) FROM pg_database WHERE datallowconn \\gexec",
      'GRANT CONNECT, TEMPORARY ON DATABASE "shop" TO "shop_app";',
      '\\connect "shop"',
      "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
      'GRANT USAGE, CREATE ON SCHEMA public TO "shop_app";',
      "",
    ]);
    // A quote in a name cannot end the literal.
    expect(postgresAppUserSql({ database: "a", user: "x'y", adminUser: "s", verifier: "v" })).toContain("rolname = 'x''y'");
    expect(parseAppUserOutput(["created-role", " created-database "])).toEqual({
      createdAdmin: false,
      createdRole: true,
      createdDatabase: true,
    });
    expect(parseAppUserOutput([])).toEqual({ createdAdmin: false, createdRole: false, createdDatabase: false });
  });

  it("generates a secret file in a real sh: 32 letters and digits, 0600, never printed, kept on a second run", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-secret-"));
    try {
      const file = join(dir, "admin.password");
      const first = spawnSync(secretFileArgv(file)[0] as string, secretFileArgv(file).slice(1), { encoding: "utf8" });
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toBe("created\n");
      const value = readFileSync(file, "utf8");
      expect(value).toMatch(/^[A-Za-z0-9]{32}$/);
      expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
      spawnSync("chmod", ["0644", file]);
      const second = spawnSync("sh", secretFileArgv(file).slice(1), { encoding: "utf8" });
      expect(second.stdout).toBe("");
      expect(readFileSync(file, "utf8")).toBe(value);
      expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("MariaDB: the image by version, install-db once in a one-off container, the server on the network only", () => {
    expect(defaultMariadbImage("11.4")).toBe("docker.io/library/mariadb:11.4");
    expect(defaultMariadbImage("10.11")).toBe("docker.io/library/mariadb:10.11");
    // A MySQL version (the spec's default 8.0) runs the current MariaDB LTS.
    expect(defaultMariadbImage("8.0")).toBe("docker.io/library/mariadb:11.4");
    expect(mariadbInitArgv("podman", { container: names.container, volume: names.volume, image: "m:1" })).toEqual([
      "podman",
      "run",
      "--rm",
      "--name",
      "slipway-shop-production-db-init",
      "--user",
      "mysql",
      "--network",
      "none",
      "--volume",
      "slipway-shop-production-db-data:/var/lib/mysql",
      "--entrypoint",
      "sh",
      "m:1",
      "-c",
      mariadbInitScript,
    ]);
    expect(mariadbInitScript).toContain('if [ -d "$d/mysql" ]; then echo exists; exit 0; fi');
    expect(mariadbInitScript).toContain("--auth-root-authentication-method=socket --skip-test-db");
    expect(mariadbRunArgv("docker", { names, image: "m:1", labels: {} })).toEqual([
      "docker",
      "run",
      "--detach",
      "--name",
      "slipway-shop-production-db",
      "--restart",
      "unless-stopped",
      "--user",
      "mysql",
      "--network",
      "slipway-shop-production",
      "--volume",
      "slipway-shop-production-db-data:/var/lib/mysql",
      "--stop-timeout",
      "60",
      "--entrypoint",
      "mariadbd",
      "m:1",
      "--no-defaults",
      "--datadir=/var/lib/mysql/data",
      "--bind-address=0.0.0.0",
      "--port=3306",
      "--socket=/run/mysqld/mysqld.sock",
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
    ]);
    expect(mariadbReadyArgv("podman", names.container)).toEqual([
      "podman",
      "exec",
      "--user",
      "mysql",
      "slipway-shop-production-db",
      "mariadb-admin",
      "--no-defaults",
      "--protocol=socket",
      "--socket=/run/mysqld/mysqld.sock",
      "--user=mysql",
      "ping",
    ]);
    expect(mariadbClientArgv("docker", names.container)).toEqual([
      "docker",
      "exec",
      "--interactive",
      "--user",
      "mysql",
      "slipway-shop-production-db",
      "mariadb",
      "--no-defaults",
      "--protocol=socket",
      "--socket=/run/mysqld/mysqld.sock",
      "--user=mysql",
      "--batch",
      "--skip-column-names",
    ]);
  });

  it("MariaDB: admin and app accounts from hashes, the app user's privileges on its own database only", () => {
    const sql = mariadbAccountsSql({
      database: "my_shop",
      user: "shop_app",
      adminUser: "slipway_admin",
      adminHash: "*AAA",
      appHash: "*BBB",
    });
    expect(sql.split("\n")).toEqual([
      "SELECT 'created-admin' FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM mysql.global_priv WHERE User = 'slipway_admin' AND Host = '%');",
      "SELECT 'created-role' FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM mysql.global_priv WHERE User = 'shop_app' AND Host = '%');",
      "SELECT 'created-database' FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'my_shop');",
      "CREATE USER IF NOT EXISTS 'slipway_admin'@'%' IDENTIFIED BY PASSWORD '*AAA';",
      "ALTER USER 'slipway_admin'@'%' IDENTIFIED BY PASSWORD '*AAA';",
      "GRANT ALL PRIVILEGES ON *.* TO 'slipway_admin'@'%' WITH GRANT OPTION;",
      "CREATE DATABASE IF NOT EXISTS `my_shop` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
      "CREATE USER IF NOT EXISTS 'shop_app'@'%' IDENTIFIED BY PASSWORD '*BBB';",
      "ALTER USER 'shop_app'@'%' IDENTIFIED BY PASSWORD '*BBB';",
      // `_` escaped: the grant matches my_shop only, not myXshop.
      "GRANT ALL PRIVILEGES ON `my\\_shop`.* TO 'shop_app'@'%';",
      "",
    ]);
    expect(parseAppUserOutput(["created-admin"])).toEqual({ createdAdmin: true, createdRole: false, createdDatabase: false });
  });

  it("backups: pg_dump and psql in the container, the dump teed into a 0600 file kept only when pg_dump succeeded", () => {
    expect(postgresDumpArgv("podman", names.container, "slipway_admin", "shop")).toEqual([
      "podman",
      "exec",
      "--user",
      "postgres",
      "slipway-shop-production-db",
      "pg_dump",
      "--format=plain",
      "--username=slipway_admin",
      "--dbname=shop",
    ]);
    expect(postgresLoadArgv("docker", names.container, "slipway_admin", "shop")).toEqual([
      "docker",
      "exec",
      "--interactive",
      "--user",
      "postgres",
      "slipway-shop-production-db",
      "psql",
      "--no-psqlrc",
      "--quiet",
      "--single-transaction",
      "--set=ON_ERROR_STOP=1",
      "--username=slipway_admin",
      "--dbname=shop",
    ]);
    expect(postgresDropDatabaseSql("shop")).toBe('DROP DATABASE IF EXISTS "shop" WITH (FORCE);\n');
    expect(rowCountSql(["public.visits", 'public."odd name"'])).toBe(
      "SELECT 'public.visits' || '|' || count(*) FROM public.visits;\nSELECT 'public.\"odd name\"' || '|' || count(*) FROM public.\"odd name\";\n",
    );
    expect(fileFactsArgv("/b/x.sql")).toEqual(["sh", "-c", 'sha256sum "$1" | cut -d" " -f1 && wc -c <"$1"', "sh", "/b/x.sql"]);
    const dir = mkdtempSync(join(tmpdir(), "slipway-dump-"));
    try {
      const file = join(dir, "backups", "d.sql");
      const ok = spawnSync("sh", dumpToFileArgv(file, ["printf", "a\\nb\\n"]).slice(1), { encoding: "utf8" });
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toBe("a\nb\n");
      expect(readFileSync(file, "utf8")).toBe("a\nb\n");
      expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
      // A failing dump keeps nothing and passes its exit code on.
      const bad = join(dir, "backups", "e.sql");
      const failed = spawnSync("sh", dumpToFileArgv(bad, ["sh", "-c", "echo partial; exit 3"]).slice(1), { encoding: "utf8" });
      expect(failed.status).toBe(3);
      expect(spawnSync("ls", [join(dir, "backups")], { encoding: "utf8" }).stdout).toBe("d.sql\n");
      expect(dumpToFileScript).toContain('mv "$f.partial" "$f"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the host drill's and MariaDB backups' commands", () => {
  it("a PostgreSQL scratch database: owned by the admin, the app user may connect and create in public", () => {
    expect(postgresScratchSql({ database: "slipway_drill_20261207_ab", user: "shop_app", adminUser: "slipway_admin" })).toBe(
      [
        `CREATE DATABASE "slipway_drill_20261207_ab" OWNER "slipway_admin" TEMPLATE template0 ENCODING 'UTF8';`,
        `REVOKE CONNECT, TEMPORARY ON DATABASE "slipway_drill_20261207_ab" FROM PUBLIC;`,
        `GRANT CONNECT, TEMPORARY ON DATABASE "slipway_drill_20261207_ab" TO "shop_app";`,
        `\\connect "slipway_drill_20261207_ab"`,
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;",
        `GRANT USAGE, CREATE ON SCHEMA public TO "shop_app";`,
        "",
      ].join("\n"),
    );
    expect(postgresListPrefixedSql("slipway_drill_")).toBe(
      "SELECT datname FROM pg_database WHERE starts_with(datname, 'slipway_drill_') ORDER BY 1;\n",
    );
  });

  it("mariadb-dump and the client run in the container over the socket, with the local target's dump options", () => {
    expect(mariadbDumpArgv("podman", "slipway-shop-production-db", "shop")).toEqual([
      "podman",
      "exec",
      "--user",
      "mysql",
      "slipway-shop-production-db",
      "mariadb-dump",
      "--no-defaults",
      "--protocol=socket",
      "--socket=/run/mysqld/mysqld.sock",
      "--user=mysql",
      "--single-transaction",
      "--routines",
      "--triggers",
      "--events",
      "--hex-blob",
      "--skip-dump-date",
      "--default-character-set=utf8mb4",
      "shop",
    ]);
    expect(mariadbLoadArgv("docker", "c", "slipway_drill_x")).toEqual([
      "docker",
      "exec",
      "--interactive",
      "--user",
      "mysql",
      "c",
      "mariadb",
      "--no-defaults",
      "--protocol=socket",
      "--socket=/run/mysqld/mysqld.sock",
      "--user=mysql",
      "--batch",
      "--default-character-set=utf8mb4",
      "slipway_drill_x",
    ]);
  });

  it("MariaDB scratch, drop, listing and row counts quote names", () => {
    expect(mariadbDropDatabaseSql("a`b")).toBe("DROP DATABASE IF EXISTS `a``b`;\n");
    expect(mariadbScratchSql({ database: "slipway_drill_1", user: "shop_app" })).toBe(
      "CREATE DATABASE `slipway_drill_1` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n" +
        "GRANT ALL PRIVILEGES ON `slipway\\_drill\\_1`.* TO 'shop_app'@'%';\n",
    );
    expect(mariadbListPrefixedSql("slipway_drill_")).toBe(
      "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, 14) = 'slipway_drill_' ORDER BY 1;\n",
    );
    expect(mariadbRowCountSql("s", ["visits", "it's"])).toBe(
      "SELECT CONCAT('visits', '|', COUNT(*)) FROM `s`.`visits`;\n" + "SELECT CONCAT('it\\'s', '|', COUNT(*)) FROM `s`.`it's`;\n",
    );
  });
});
