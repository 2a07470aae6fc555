import { describe, expect, it } from "vitest";
import { databaseUrl, databaseUrlTemplate, percentEncode } from "./database-url.js";

describe("percentEncode", () => {
  it("keeps only the unreserved characters and writes every other byte as %XX", () => {
    expect(percentEncode("aZ09-._~")).toBe("aZ09-._~");
    expect(percentEncode("p@ss:w/rd?#")).toBe("p%40ss%3Aw%2Frd%3F%23");
    expect(percentEncode("a b+c%")).toBe("a%20b%2Bc%25");
    expect(percentEncode("$(DB_USER)!*'")).toBe("%24%28DB_USER%29%21%2A%27");
    expect(percentEncode("é😀")).toBe("%C3%A9%F0%9F%98%80");
  });
});

describe("databaseUrl", () => {
  const parts = { scheme: "postgresql", user: "shop_app", host: "db.internal", port: 5432, name: "shop" };

  it("composes scheme://user:password@host:port/name with the password percent-encoded", () => {
    expect(databaseUrl({ ...parts, password: "s3cr3t" })).toBe("postgresql://shop_app:s3cr3t@db.internal:5432/shop");
    expect(databaseUrl({ ...parts, password: "a@b/c:d e" })).toBe("postgresql://shop_app:a%40b%2Fc%3Ad%20e@db.internal:5432/shop");
  });

  it("gives every password back intact to a URL parser", () => {
    for (const password of ["p@ss:w/rd?#[]", "a b+c%20d", "%", "ünï😀", "'\"`;\\", "@@@", ":"]) {
      const url = new URL(databaseUrl({ ...parts, scheme: "http", password }));
      expect(decodeURIComponent(url.password)).toBe(password);
      expect(url.hostname).toBe("db.internal");
      expect(url.pathname).toBe("/shop");
    }
  });

  it("puts an IPv6 address in brackets", () => {
    expect(databaseUrl({ ...parts, host: "::1", password: "x" })).toBe("postgresql://shop_app:x@[::1]:5432/shop");
  });
});

describe("databaseUrlTemplate", () => {
  it("is the same URL with the host and the escaped password left to External Secrets", () => {
    expect(databaseUrlTemplate({ urlScheme: "mysql2", port: 3306, name: "shop" }, "shop_app")).toBe(
      'mysql2://shop_app:{{ .password | urlquery | replace "+" "%20" }}@{{ .host }}:3306/shop',
    );
  });
});
