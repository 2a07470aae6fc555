import { describe, expect, it } from "vitest";
import {
  alterAppRoleSql,
  createAppRoleSql,
  createDatabaseSql,
  grantDatabaseAccessSql,
  grantSchemaAccessSql,
  initdbCommand,
  invalidPostgresName,
  passwordForSql,
  pgCtlStartCommand,
  pgCtlStatusCommand,
  pgCtlStopCommand,
  quoteIdentifier,
  quoteLiteral,
  revokePublicAccessSql,
  scramSha256Verifier,
  shellQuote,
} from "./postgres-commands.js";

const bin = { initdb: "/pg/bin/initdb", pgCtl: "/pg/bin/pg_ctl", postgres: "/pg/bin/postgres" };

describe("PostgreSQL command lines", () => {
  it("initdb: scram-sha-256, the slipway_admin superuser, password from a file", () => {
    expect(initdbCommand(bin, "/s/data.partial", "/s/initdb.pwfile").join(" ")).toBe(
      "/pg/bin/initdb --pgdata /s/data.partial --username slipway_admin --pwfile=/s/initdb.pwfile --auth=scram-sha-256 --encoding=UTF8 --locale=C",
    );
  });

  it("pg_ctl start: waits, logs to a file, listens on loopback with its own socket folder", () => {
    const command = pgCtlStartCommand(bin, {
      dataDir: "/s/data",
      logFile: "/s/postgres.log",
      port: 5433,
      socketDir: "/s/run",
      waitSeconds: 60,
    });
    expect(command).toEqual([
      "/pg/bin/pg_ctl",
      "start",
      "-w",
      "-t",
      "60",
      "-D",
      "/s/data",
      "-l",
      "/s/postgres.log",
      "-o",
      "-p 5433 -h 127.0.0.1 -k /s/run",
    ]);
  });

  it("pg_ctl start: shell-quotes a socket folder pg_ctl's shell would split", () => {
    const command = pgCtlStartCommand(bin, { dataDir: "/s/data", logFile: "/s/l", port: 1, socketDir: "/my project/it's", waitSeconds: 5 });
    expect(command.at(-1)).toBe("-p 1 -h 127.0.0.1 -k '/my project/it'\\''s'");
    expect(shellQuote("")).toBe("''");
  });

  it("pg_ctl status and stop", () => {
    expect(pgCtlStatusCommand(bin, "/s/data").join(" ")).toBe("/pg/bin/pg_ctl status -D /s/data");
    expect(pgCtlStopCommand(bin, "/s/data", 60).join(" ")).toBe("/pg/bin/pg_ctl stop -w -t 60 -m fast -D /s/data");
  });
});

describe("PostgreSQL setup SQL", () => {
  it("quotes identifiers and literals", () => {
    expect(quoteIdentifier('my "db"')).toBe('"my ""db"""');
    expect(quoteLiteral("it's \\ ok")).toBe("'it''s \\ ok'");
    expect(() => quoteLiteral("a\0b")).toThrow(/NUL/);
  });

  it("creates the app role with login and nothing else", () => {
    expect(createAppRoleSql("shop", "SCRAM-x")).toBe(
      `CREATE ROLE "shop" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD 'SCRAM-x'`,
    );
    expect(alterAppRoleSql("shop", "SCRAM-y")).toBe(
      `ALTER ROLE "shop" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD 'SCRAM-y'`,
    );
  });

  it("creates the database owned by the admin and grants the app exactly connect + schema use", () => {
    expect(createDatabaseSql("shop")).toBe(`CREATE DATABASE "shop" OWNER "slipway_admin" TEMPLATE template0 ENCODING 'UTF8'`);
    expect(revokePublicAccessSql("postgres")).toBe(`REVOKE CONNECT, TEMPORARY ON DATABASE "postgres" FROM PUBLIC`);
    expect(grantDatabaseAccessSql("shop", "shop_app")).toEqual([
      `REVOKE CONNECT, TEMPORARY ON DATABASE "shop" FROM PUBLIC`,
      `GRANT CONNECT, TEMPORARY ON DATABASE "shop" TO "shop_app"`,
    ]);
    expect(grantSchemaAccessSql("shop_app")).toEqual([
      "REVOKE ALL ON SCHEMA public FROM PUBLIC",
      `GRANT USAGE, CREATE ON SCHEMA public TO "shop_app"`,
    ]);
  });

  it.each([
    ["database", "", "is empty"],
    ["database", "x".repeat(64), "longer than PostgreSQL's 63 bytes"],
    ["database", "template1", "reserved"],
    ["user", "pg_monitor", "starts with pg_"],
    ["user", "slipway_admin", "reserved"],
  ] as const)("refuses the %s name %j", (kind, name, message) => {
    expect(invalidPostgresName(kind, name)).toContain(message);
  });

  it("accepts ordinary names", () => {
    expect(invalidPostgresName("database", "shop_production")).toBeUndefined();
    expect(invalidPostgresName("user", "shop")).toBeUndefined();
  });
});

describe("SCRAM-SHA-256 verifier", () => {
  it("matches what PostgreSQL 18 stores for the same password and salt", () => {
    // From a real server: CREATE ROLE vec PASSWORD 'pencil'; SELECT rolpassword FROM pg_authid.
    const stored =
      "SCRAM-SHA-256$4096:Efa20I5bI80k47m2xW6YUA==$lPHRB8jJ0SQrI5zUsrhUbmANZ2BKr7mw6MhlH/pd9xw=:/ZXv0hLsGzht0CRE3uV/H5aBXSxeQ0r5QgPFnyPeqyg=";
    expect(scramSha256Verifier("pencil", Buffer.from("Efa20I5bI80k47m2xW6YUA==", "base64"))).toBe(stored);
  });

  it("is what SQL carries for ASCII passwords; others go as they are (the server normalises them)", () => {
    expect(passwordForSql("pencil")).toMatch(/^SCRAM-SHA-256\$4096:[^$]+\$[^:]+:.+$/);
    expect(passwordForSql("pencil")).not.toContain("pencil");
    expect(passwordForSql("pässwörd")).toBe("pässwörd");
  });
});
