import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeLocalSecretsFile } from "./local-secrets-file.js";
import { parseDotenv } from "./secrets.js";

describe("writeLocalSecretsFile", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-secrets-file-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("writes a random value for each name, mode 0600, in a .slipway/ that git ignores", async () => {
    const root = scratch();
    const file = join(root, ".slipway/secrets.env");
    const written = await writeLocalSecretsFile(file, ["SECRET_KEY", "MAIL_PASSWORD"]);
    expect(written).toEqual({ file, created: true, missing: [] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const values = parseDotenv(readFileSync(file, "utf8"));
    expect(Object.keys(values)).toEqual(["SECRET_KEY", "MAIL_PASSWORD"]);
    for (const value of Object.values(values)) expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(values.SECRET_KEY).not.toBe(values.MAIL_PASSWORD);
    expect(readFileSync(join(root, ".slipway/.gitignore"), "utf8")).toBe("*\n");
    // Another project gets other values.
    const again = await writeLocalSecretsFile(join(scratch(), ".slipway/secrets.env"), ["SECRET_KEY"]);
    expect(parseDotenv(readFileSync(again.file, "utf8")).SECRET_KEY).not.toBe(values.SECRET_KEY);
  });

  it("never replaces an existing file, and says which names it lacks", async () => {
    const root = scratch();
    const file = join(root, "secrets.env");
    writeFileSync(file, "SECRET_KEY=mine\n", { mode: 0o600 });
    const written = await writeLocalSecretsFile(file, ["SECRET_KEY", "MAIL_PASSWORD"]);
    expect(written).toEqual({ file, created: false, missing: ["MAIL_PASSWORD"] });
    expect(readFileSync(file, "utf8")).toBe("SECRET_KEY=mine\n");
  });

  it("adds * to a .gitignore in the folder that does not ignore everything", async () => {
    const root = scratch();
    writeFileSync(join(root, ".gitignore"), "postgres/");
    await writeLocalSecretsFile(join(root, "secrets.env"), ["TOKEN"]);
    expect(readFileSync(join(root, ".gitignore"), "utf8")).toBe("postgres/\n*\n");
  });
});
