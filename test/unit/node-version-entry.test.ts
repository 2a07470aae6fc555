import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../../src/errors/codes.js";
import { repoRoot } from "../helpers/examples.js";

// src/cli/bin.ts cannot import codes.ts (it must stay readable by an old Node, with nothing loaded
// before the check), so its literals are held to the error table and package.json here.
describe("the Node version check in src/cli/bin.ts", () => {
  const entry = readFileSync(join(repoRoot, "src/cli/bin.ts"), "utf8");
  const engines = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).engines.node as string;

  it("checks the version package.json's engines asks for", () => {
    expect(engines).toBe(">=22.12");
    expect(entry).toContain("major < 22 || (major === 22 && minor < 12)");
    expect(entry).toContain("slipway needs Node.js 22.12 or newer");
  });

  it("uses the documented code and its exit code", () => {
    expect(entry).toContain('code: "NODE_UNSUPPORTED"');
    expect(entry).toContain("error[NODE_UNSUPPORTED]");
    expect(entry).toContain(`process.exitCode = ${errorCodes.NODE_UNSUPPORTED.exit};`);
  });

  it("imports nothing statically (only the real CLI, dynamically, after the check)", () => {
    expect(entry).not.toMatch(/^import /m);
    expect(entry).toContain('import("./run.js")');
  });
});
