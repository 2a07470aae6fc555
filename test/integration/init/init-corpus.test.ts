import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../../helpers/examples.js";

// The built binary, run as a user would, on a copy of each corpus app (nothing is edited by hand).
const bin = join(repoRoot, "dist/bundle/bin.js");
const appsDir = join(repoRoot, "test/apps");
const apps = readdirSync(appsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

function slipway(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root" },
    input: "",
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("slipway init --yes on the app corpus", () => {
  it("covers every app of the corpus", () => {
    expect(apps).toEqual([
      "django-library",
      "express-knex-mysql",
      "express-pg-tasks",
      "fastapi-inventory",
      "flask-journal",
      "next-storefront",
      "node-uploads",
      "rails-repairs",
    ]);
  });

  for (const app of apps) {
    it(`${app}: the spec validates, renders for Kubernetes, has a local environment and a schema beside it`, () => {
      const dir = mkdtempSync(join(tmpdir(), `slipway-init-${app}-`));
      try {
        cpSync(join(appsDir, app), dir, { recursive: true });
        const r = slipway(["init", "--yes"], dir);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toContain("What init guessed, and why");
        expect(r.stderr).toContain("docs/app-contract.md");
        expect(r.stdout).toBe("");

        const text = readFileSync(join(dir, "slipway.yaml"), "utf8");
        expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./slipway.schema.json");
        expect(JSON.parse(readFileSync(join(dir, "slipway.schema.json"), "utf8"))).toHaveProperty("properties.app");
        const spec = parse(text) as {
          app: { command?: string[]; health: string };
          environments: Record<string, { target: string }>;
          targets: { local: { prepare?: string[] } };
        };
        expect(spec.environments.local?.target).toBe("local");
        expect(spec.app.command).toBeDefined();
        expect(spec.targets.local.prepare).toBeDefined();

        // Random local-only values for each secret, so the unedited spec deploys locally; never printed.
        const secretsFile = join(dir, ".slipway/secrets.env");
        const names = (parse(text) as { app: { secrets: string[] } }).app.secrets;
        expect(names.length).toBeGreaterThan(0);
        expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
        const values = Object.fromEntries(
          readFileSync(secretsFile, "utf8")
            .split("\n")
            .filter((l) => /^\w+=/.test(l))
            .map((l) => l.split("=") as [string, string]),
        );
        expect(Object.keys(values).sort()).toEqual([...names].sort());
        for (const value of Object.values(values)) {
          expect(value.length).toBeGreaterThanOrEqual(32);
          expect(r.stderr + r.stdout).not.toContain(value);
        }
        expect(r.stderr).toContain("wrote .slipway/secrets.env (mode 600, ignored by git) with random local-only values");
        expect(readFileSync(join(dir, ".slipway/.gitignore"), "utf8")).toBe("*\n");

        const validate = slipway(["validate"], dir);
        expect(validate.code, validate.stderr).toBe(0);
        const render = slipway(["render", "kubernetes", "-e", "staging"], dir);
        expect(render.code, render.stderr).toBe(0);
        expect(render.stdout).toContain("kind: Deployment");
        // The start command reaches the pod as it was written.
        expect(render.stdout).toContain(spec.app.command?.[0] === "sh" ? "exec " : (spec.app.command?.[1] ?? ""));

        // --json: one object with the detection, secrets by name only.
        rmSync(join(dir, "slipway.yaml"));
        const json = slipway(["init", "--yes", "--json"], dir);
        expect(json.code, json.stderr).toBe(0);
        const result = JSON.parse(json.stdout) as { ok: boolean; result: { detection: { notes: string[]; secrets: string[] } } };
        expect(result.ok).toBe(true);
        expect(result.result.detection.notes.length).toBeGreaterThan(5);
        expect(existsSync(join(dir, "slipway.yaml"))).toBe(true);
        // The second init kept the file: its values may be in use.
        expect(readFileSync(secretsFile, "utf8")).toContain(Object.entries(values)[0]?.join("="));
        expect(json.stdout).not.toContain(Object.values(values)[0]);
        expect(JSON.parse(json.stdout).result.secretsFile).toMatchObject({ created: false, missing: [] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
