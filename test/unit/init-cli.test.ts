import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSpecText } from "../../src/spec/load.js";
import { validateSpec } from "../../src/spec/validate.js";
import { examplesDir } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

describe("slipway init, interactive", () => {
  it("asks, offers detected values as defaults, and writes a valid spec", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-init-tty-"));
    cpSync(join(examplesDir, "flask-mysql"), dir, { recursive: true });
    rmSync(join(dir, "slipway.yaml"));
    // Answers: name, image, port (Enter = detected), health, database, host.
    const answers = ["flasky", "registry.example.com/flasky:2.1.0", "", "", "postgres", "flasky.example.com", ""].join("\n");
    const r = await runCli(["init"], { cwd: dir, stdin: answers, tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Detected: flask");
    const text = readFileSync(join(dir, "slipway.yaml"), "utf8");
    const spec = validateSpec(parseSpecText(text, "slipway.yaml")).spec;
    expect(spec.name).toBe("flasky");
    expect(spec.app.image).toBe("registry.example.com/flasky:2.1.0");
    expect(spec.database?.engine).toBe("postgres");
    expect(spec.ingress?.host).toBe("flasky.example.com");
    rmSync(dir, { recursive: true, force: true });
  });

  it("rejects a bad port with a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-init-port-"));
    const r = await runCli(["init", "--yes", "--port", "http"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[USAGE]");
  });

  it("input that ends early is a clear error, not a hang", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-init-eof-"));
    const r = await runCli(["init"], { cwd: dir, stdin: "only-a-name\n", tty: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[INIT_NEEDS_INPUT]");
  });
});
