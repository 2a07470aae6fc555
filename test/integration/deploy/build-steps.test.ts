import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, get, slipway } from "./local-harness.js";

// app.build.steps (collectstatic, assets:precompile, npm run build) on the local target: run in each
// release's copy after prepare, with the app's plain env and nothing of the running release (no
// secrets, no PORT), as an image build would; their output is what the release serves.

const build = `const fs = require("node:fs");
const seen = ["BUILD_FLAVOUR", "API_TOKEN", "PORT"].map((k) => k + "=" + (process.env[k] ?? "-")).join(" ");
fs.mkdirSync("static", { recursive: true });
fs.writeFileSync("static/built.txt", seen + " prepared=" + fs.existsSync("prepared.txt"));
`;

const server = `const fs = require("node:fs");
require("node:http")
  .createServer((req, res) => res.end(req.url === "/up" ? "ok" : fs.readFileSync("static/built.txt", "utf8")))
  .listen(Number(process.env.PORT), process.env.HOST);
`;

describe("app.build.steps on the local target", () => {
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "slipway-build-steps-"));
    writeFileSync(join(dir, "build.cjs"), build);
    writeFileSync(join(dir, "server.cjs"), server);
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    writeFileSync(
      join(dir, "slipway.yaml"),
      `name: built
app:
  image: registry.example.com/built:1.0.0
  build: { steps: [[node, build.cjs]] }
  port: 3000
  command: [node, server.cjs]
  health: /up
  env: { BUILD_FLAVOUR: plain }
  secrets: [API_TOKEN]
  scale: { min: 1, max: 1 }
environments:
  local: { target: local, secretSource: { env-file: secrets.env } }
targets:
  local: { type: local, port: ${port}, prepare: [touch, prepared.txt] }
`,
    );
    writeFileSync(join(dir, "secrets.env"), "API_TOKEN=tok-5f1e-never-in-a-build\n");
    chmodSync(join(dir, "secrets.env"), 0o600);
  });
  afterAll(async () => {
    await slipway(dir, ["down", "-e", "local", "--json"]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("run after prepare, with app.env and without secrets or PORT; the release serves what they built", async () => {
    const run = await slipway(dir, ["deploy", "-e", "local", "--json", "--health-timeout", "30"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await get(url)).body).toBe("BUILD_FLAVOUR=plain API_TOKEN=- PORT=- prepared=true");
  }, 120_000);

  it("a failing step stops the deploy in prepare, naming the step; the previous release keeps serving", async () => {
    writeFileSync(join(dir, "build.cjs"), `console.error("static build exploded"); process.exit(4);\n`);
    const run = await slipway(dir, ["deploy", "-e", "local", "--json"]);
    expect(run.code).toBe(1);
    expect(run.final?.error).toMatchObject({ failure: { class: "prepare-failed", message: expect.stringContaining("node build.cjs") } });
    expect(JSON.stringify(run.final?.error)).toContain("static build exploded");
    expect((await get(url)).body).toContain("BUILD_FLAVOUR=plain");
  }, 120_000);
});
