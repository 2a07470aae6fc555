import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { redactLine, socketPath, withLogLines } from "./database-files.js";

describe("redactLine", () => {
  it("masks passwords in SQL echoed by a server log, and known secrets anywhere", () => {
    expect(redactLine(`STATEMENT:  ALTER ROLE "a" WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:x$y:z'`, [])).toBe(
      `STATEMENT:  ALTER ROLE "a" WITH LOGIN PASSWORD '***'`,
    );
    expect(redactLine("CREATE USER 'u'@'h' IDENTIFIED BY PASSWORD '*ABC'", [])).toBe("CREATE USER 'u'@'h' IDENTIFIED BY PASSWORD '***'");
    expect(redactLine("IDENTIFIED BY 'it''s'", [])).toBe("IDENTIFIED BY '***'");
    expect(redactLine("token hunter2 in a line", ["hunter2"])).toBe("token [redacted] in a line");
    // Through the one redaction module: encoded forms too.
    expect(redactLine(`url postgres://a:${encodeURIComponent("p@ss w")}@h`, ["p@ss w"])).toBe("url postgres://a:[redacted]@h");
  });
});

describe("socketPath", () => {
  it("keeps the socket in the state folder when the path fits the kernel's limit", () => {
    expect(socketPath("/p/.slipway/local/mariadb", "mysqld.sock")).toBe("/p/.slipway/local/mariadb/run/mysqld.sock");
  });

  it("moves it to a short, stable path under the temp folder otherwise", () => {
    const deep = `/home/someone/${"nested/".repeat(12)}.slipway/local/mariadb`;
    const path = socketPath(deep, "mysqld.sock");
    expect(path.startsWith(`${tmpdir()}/slipway-`)).toBe(true);
    expect(path.endsWith("/mysqld.sock")).toBe(true);
    expect(Buffer.byteLength(path)).toBeLessThan(100);
    expect(socketPath(deep, "mysqld.sock")).toBe(path);
  });
});

describe("withLogLines", () => {
  it("appends indented log lines when there are any", () => {
    expect(withLogLines("did not start", [])).toBe("did not start");
    expect(withLogLines("did not start", ["a", "b"])).toBe("did not start — last log lines:\n  a\n  b");
  });
});
