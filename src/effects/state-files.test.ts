import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "./state-files.js";

describe("writeFileAtomic", () => {
  it("replaces the file whole, with the mode asked for, leaving no temporary file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slipway-atomic-"));
    try {
      const file = join(dir, "state.json");
      await writeFileAtomic(file, "one\n", 0o600);
      await writeFileAtomic(file, "two\n", 0o600);
      expect(await readFile(file, "utf8")).toBe("two\n");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readdir(dir)).toEqual(["state.json"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// One helper for every piece of local state: the modules that keep it write only through
// writeFileAtomic (the lock links and renames its own complete files; see file-lock.ts).
describe("local state is written only through writeFileAtomic", () => {
  const root = join(import.meta.dirname, "..");
  const modules = [
    ...["history-files.ts", "database-files.ts", "processes.ts", "secrets.ts", "postgres-server.ts", "mariadb-server.ts"].map((f) =>
      join(root, "effects", f),
    ),
    ...readdirSync(join(root, "targets", "local"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => join(root, "targets", "local", f)),
    join(root, "cli", "commands", "deploy.ts"),
  ];
  for (const file of modules) {
    it(file.slice(root.length + 1), () => {
      const text = readFileSync(file, "utf8");
      expect(text).not.toMatch(/\bwriteFile(Sync)?\(/);
      expect(text).not.toMatch(/\bappendFile(Sync)?\(/);
    });
  }
});
