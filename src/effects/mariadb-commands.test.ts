import { describe, expect, it } from "vitest";
import {
  adminAccountSql,
  clientOptionFile,
  ensureDatabaseSql,
  grantDatabasePattern,
  installDbCommand,
  invalidMariadbName,
  mariadbdCommand,
  mariadbInstallCommand,
  nativePasswordHash,
  quoteMariadbIdentifier,
  quoteMariadbString,
  socketClientCommand,
  tcpClientCommand,
} from "./mariadb-commands.js";

const bin = { server: "/usr/sbin/mariadbd", installDb: "/usr/bin/mariadb-install-db", client: "/usr/bin/mariadb" };

describe("MariaDB command lines", () => {
  it("the install command is the Debian one", () => {
    expect(mariadbInstallCommand).toBe("apt-get update && apt-get install -y mariadb-server");
  });

  it("mariadb-install-db: private data folder, socket-only system accounts, no test database", () => {
    expect(installDbCommand(bin, "/s/data.partial", "mysql").join(" ")).toBe(
      "/usr/bin/mariadb-install-db --no-defaults --user=mysql --datadir=/s/data.partial --auth-root-authentication-method=socket --skip-test-db",
    );
  });

  it("mariadbd: no system config, loopback only, own socket, utf8mb4", () => {
    expect(mariadbdCommand(bin, { dataDir: "/s/data", port: 3307, socket: "/s/run/mysqld.sock" })).toEqual([
      "/usr/sbin/mariadbd",
      "--no-defaults",
      "--datadir=/s/data",
      "--port=3307",
      "--bind-address=127.0.0.1",
      "--socket=/s/run/mysqld.sock",
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
    ]);
  });

  it("clients: by socket as the server's OS user, or by TCP with an option file", () => {
    expect(socketClientCommand(bin, "/s/run/mysqld.sock", "mysql").join(" ")).toBe(
      "/usr/bin/mariadb --no-defaults --protocol=socket --socket=/s/run/mysqld.sock --user=mysql --batch --skip-column-names",
    );
    expect(tcpClientCommand(bin, "/s/client.cnf").join(" ")).toBe(
      "/usr/bin/mariadb --defaults-file=/s/client.cnf --batch --skip-column-names --connect-timeout=5",
    );
    expect(clientOptionFile({ user: "slipway_admin", password: 'a"b\\c', port: 3307 })).toBe(
      '[client]\nprotocol=tcp\nhost=127.0.0.1\nport=3307\nuser=slipway_admin\npassword="a\\"b\\\\c"\n',
    );
  });
});

describe("MariaDB setup SQL", () => {
  it("quotes identifiers and strings", () => {
    expect(quoteMariadbIdentifier("my`db")).toBe("`my``db`");
    expect(quoteMariadbString("it's \\ ok")).toBe("'it\\'s \\\\ ok'");
  });

  it("escapes GRANT's wildcards in database names", () => {
    expect(grantDatabasePattern("shop_db%1")).toBe("`shop\\_db\\%1`");
  });

  it("hashes passwords as mysql_native_password stores them", () => {
    // SELECT PASSWORD('password') on MySQL 5.7 / MariaDB.
    expect(nativePasswordHash("password")).toBe("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
  });

  it("creates the admin account with a hash, never the password", () => {
    const sql = adminAccountSql("secret-admin");
    expect(sql).not.toContain("secret-admin");
    expect(sql).toContain(
      `CREATE USER IF NOT EXISTS 'slipway_admin'@'127.0.0.1' IDENTIFIED BY PASSWORD '${nativePasswordHash("secret-admin")}';`,
    );
    expect(sql).toContain("GRANT ALL PRIVILEGES ON *.* TO 'slipway_admin'@'127.0.0.1' WITH GRANT OPTION;");
  });

  it("reports what existed, then creates the database and user with ALL on that database only", () => {
    const hash = nativePasswordHash("pw");
    expect(ensureDatabaseSql("shop_db", "shop", "pw").split("\n")).toEqual([
      "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_db';",
      "SELECT COUNT(*) FROM mysql.global_priv WHERE User = 'shop' AND Host = '127.0.0.1';",
      "CREATE DATABASE IF NOT EXISTS `shop_db` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
      `CREATE USER IF NOT EXISTS 'shop'@'127.0.0.1' IDENTIFIED BY PASSWORD '${hash}';`,
      `ALTER USER 'shop'@'127.0.0.1' IDENTIFIED BY PASSWORD '${hash}';`,
      "GRANT ALL PRIVILEGES ON `shop\\_db`.* TO 'shop'@'127.0.0.1';",
      "",
    ]);
  });

  it.each([
    ["database", "", "is empty"],
    ["database", "mysql", "reserved"],
    ["database", "x".repeat(65), "longer than MariaDB's 64 characters"],
    ["user", "root", "reserved"],
    ["user", "slipway_admin", "reserved"],
  ] as const)("refuses the %s name %j", (kind, name, message) => {
    expect(invalidMariadbName(kind, name)).toContain(message);
  });
});
