import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExamples } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";

// A secret value planted in every place a value could come from; no output may contain it.
const canary = "canary-7f3e9a1c-do-not-leak";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("canary secret", () => {
  for (const example of loadExamples()) {
    it(`never appears in any render of ${example.name}`, async () => {
      const names = [...new Set([...example.validated.spec.app.secrets, "DB_PASSWORD", "DATABASE_URL", "SECRET_KEY_BASE"])];
      const env = Object.fromEntries(names.map((n) => [n, canary]));
      const outputs: string[] = [];
      for (const model of example.kubeModels) {
        for (const extra of [[], ["--json"]]) {
          const r = await runCli(["render", "kubernetes", "-f", example.file, "-e", model.environment, ...extra], { env });
          expect(r.code, r.stderr).toBe(0);
          outputs.push(r.stdout, r.stderr);
        }
      }
      const out = mkdtempSync(join(tmpdir(), "slipway-canary-"));
      const helm = await runCli(["render", "helm", "-f", example.file, "--out", out, "--json"], { env });
      expect(helm.code, helm.stderr).toBe(0);
      outputs.push(helm.stdout, helm.stderr, ...filesUnder(out).map((f) => readFileSync(f, "utf8")));
      const validate = await runCli(["validate", "-f", example.file, "--json"], { env });
      outputs.push(validate.stdout, validate.stderr);
      expect(outputs.length).toBeGreaterThan(5);
      for (const text of outputs) expect(text).not.toContain(canary);
      // The secret names themselves are referenced, so the scan is looking at real renders.
      expect(outputs.join("\n")).toContain("secretKeyRef");
    });
  }
});
