import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/examples.js";
import { get, slipway, type Workspace, workspace } from "./local-harness.js";

// The release copy of the app and what runs in it: targets.<name>.path.

const app = `import { createServer } from "node:http";
import { readFileSync } from "node:fs";
const migrated = readFileSync("migrated.txt", "utf8").trim();
createServer((req, res) => res.end("served by " + process.env.SERVED_BY + ", " + migrated))
  .listen(Number(process.env.PORT), process.env.HOST);
`;

function spec(port: number, extra = ""): string {
  return `name: tools
app:
  image: registry.example.com/tools:1.0.0
  port: 8080
  command: [app-serve]
  health: /
  scale: { min: 1, max: 1 }
  release: { migrate: [app-migrate] }
environments:
  local: { target: local }
targets:
  local:
    type: local
    port: ${port}
    prepare: [app-prepare]
${extra}`;
}

/** An executable shell script at `file` in the workspace. */
function script(ws: Workspace, file: string, body: string): void {
  mkdirSync(join(ws.dir, file, ".."), { recursive: true });
  writeFileSync(join(ws.dir, file), `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(join(ws.dir, file), 0o755);
}

describe("the release copy of a real app (test/apps/node-uploads, from an unedited init --yes)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("keeps src/log/ and tmp/ (the app's own modules), deploys with init's local secrets, and serves", async () => {
    const ws = await workspace("uploads");
    cleanups.push(() => ws.cleanup());
    rmSync(ws.dir, { recursive: true, force: true });
    cpSync(join(repoRoot, "test/apps/node-uploads"), ws.dir, { recursive: true });
    const init = await slipway(ws.dir, ["init", "--yes"]);
    expect(init.code, init.stderr).toBe(0);
    ws.edit("slipway.yaml", (t) => t.replace("port: 4000", `port: ${ws.port}`).replace("--no-fund]", "--no-fund, --prefer-offline]"));
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.final, run.stdout + run.stderr).toMatchObject({ ok: true });
    const release = join(ws.dir, ".slipway/local/releases/1/app");
    expect(existsSync(join(release, "src/log/index.js"))).toBe(true);
    expect(existsSync(join(release, "tmp/.gitkeep"))).toBe(true);
    const served = await get(ws.url);
    expect(served.status).toBe(200);
    expect(served.body).toContain("uploads:");
    // The app's secret came from the file init wrote: an upload with the token is accepted.
    const token = /^UPLOAD_TOKEN=(.+)$/m.exec(readFileSync(join(ws.dir, ".slipway/secrets.env"), "utf8"))?.[1];
    expect(token).toBeDefined();
    const upload = await fetch(`${ws.url}files/note.txt`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: "hi" });
    expect(upload.status).toBe(201);
    expect(run.stdout + run.stderr + init.stderr).not.toContain(token);
  }, 240_000);
});

describe("prepared dependencies reused across releases (examples/node-postgres)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("a code-only redeploy links the previous node_modules and skips npm ci; a lockfile change installs afresh", async () => {
    const ws = await workspace("reuse");
    cleanups.push(() => ws.cleanup());
    const deploy = async () => {
      const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
      expect(run.final, run.stdout + run.stderr).toMatchObject({ ok: true });
      return run.events.filter((e) => e.type === "log" && e.phase === "prepare").map((e) => String(e.line));
    };
    const pg = (revision: number) => statSync(join(ws.dir, `.slipway/local/releases/${revision}/app/node_modules/pg/package.json`));

    expect((await deploy()).some((l) => l.startsWith("reused"))).toBe(false);
    ws.edit("server.js", (t) => t.replace("Hello from", "Howdy from"));
    expect(await deploy()).toContain(
      "reused node_modules of revision 1 (same command and lockfiles); `npm ci --omit=dev --no-audit --no-fund --prefer-offline` not run",
    );
    expect((await get(ws.url)).body).toContain("Howdy from");
    expect(pg(2).ino).toBe(pg(1).ino);
    expect(existsSync(join(ws.dir, ".slipway/local/releases/2/prepare.log"))).toBe(false);

    // Dependencies changed: npm ci runs, in a folder of the release's own.
    ws.edit("package.json", (t) => t.replace('"private": true', '"private": true,\n  "keywords": ["changed"]'));
    expect((await deploy()).some((l) => l.startsWith("reused"))).toBe(false);
    expect(existsSync(join(ws.dir, ".slipway/local/releases/3/prepare.log"))).toBe(true);
    expect(pg(3).ino).not.toBe(pg(2).ino);
    // Pruning the release the files came from leaves the reusing release whole.
    const keep1 = await slipway(ws.dir, ["deploy", "-e", "local", "--json", "--keep", "1"]);
    expect(keep1.final).toMatchObject({ ok: true });
    expect(existsSync(join(ws.dir, ".slipway/local/releases/3"))).toBe(false);
    expect(pg(4).isFile()).toBe(true);
    expect((await get(ws.url)).status).toBe(200);
  }, 300_000);
});

describe("a reused virtualenv (python3 -m venv, no network)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("is moved to the new release: its scripts run from there, and keep running once the release it came from is pruned", async () => {
    const ws = await workspace("venv-reuse");
    cleanups.push(() => ws.cleanup());
    writeFileSync(
      join(ws.dir, "app.py"),
      `import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(("v1 " + sys.prefix).encode())
HTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler).serve_forever()
`,
    );
    writeFileSync(join(ws.dir, "requirements.txt"), "");
    writeFileSync(
      join(ws.dir, "slipway.yaml"),
      `name: venv-reuse
app:
  image: registry.example.com/venv-reuse:1.0.0
  port: 8080
  command: [python3, app.py]
  health: /
  scale: { min: 1, max: 1 }
environments:
  local: { target: local }
targets:
  local:
    type: local
    port: ${ws.port}
    prepare: [sh, -c, "python3 -m venv .venv && .venv/bin/pip install --no-index --no-input -r requirements.txt"]
    path: [.venv/bin]
`,
    );
    const release = (revision: number) => join(ws.dir, `.slipway/local/releases/${revision}/app`);
    const deploy = async (...extra: string[]) => {
      const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json", ...extra]);
      expect(run.final, run.stdout + run.stderr).toMatchObject({ ok: true });
      return run.events.filter((e) => e.type === "log" && e.phase === "prepare").map((e) => String(e.line));
    };
    await deploy();
    expect((await get(ws.url)).body).toBe(`v1 ${release(1)}/.venv`);
    ws.edit("app.py", (t) => t.replace('"v1 "', '"v2 "'));
    expect((await deploy()).some((l) => l.startsWith("reused .venv of revision 1") && l.endsWith("not run"))).toBe(true);
    // The app runs the new release's own interpreter environment, not the one it was copied from.
    expect((await get(ws.url)).body).toBe(`v2 ${release(2)}/.venv`);
    const pipScript = readFileSync(join(release(2), ".venv/bin/pip"), "utf8");
    expect(pipScript).toContain(`${release(2)}/.venv/bin/python`);
    expect(pipScript).not.toContain(release(1));
    ws.edit("app.py", (t) => t.replace('"v2 "', '"v3 "'));
    await deploy("--keep", "1");
    expect(existsSync(release(1))).toBe(false);
    expect(existsSync(release(2))).toBe(false);
    expect((await get(ws.url)).body).toBe(`v3 ${release(3)}/.venv`);
    const pip = spawnSync(join(release(3), ".venv/bin/pip"), ["--version"], { encoding: "utf8" });
    expect(pip.status, pip.stderr).toBe(0);
    expect(pip.stdout).toContain(`${release(3)}/.venv`);
  }, 300_000);
});

describe("targets.<name>.path", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("puts the release copy's folders first on PATH for prepare, migrate and the app, ahead of the system's", async () => {
    const ws = await workspace("path-key");
    cleanups.push(() => ws.cleanup());
    writeFileSync(join(ws.dir, "app.mjs"), app);
    // A program of the same name elsewhere on PATH loses to the release's own (a system `flask` vs .venv/bin/flask).
    script(ws, "system-bin/app-serve", "echo 'the system program ran' >&2; exit 3");
    script(ws, "tools/bin/app-prepare", 'echo "prepared in $(pwd)" > prepared.txt');
    script(ws, "tools/bin/app-migrate", "echo migrated > migrated.txt");
    script(ws, "tools/bin/app-serve", `SERVED_BY="$0" exec "${process.execPath}" app.mjs`);
    writeFileSync(join(ws.dir, "slipway.yaml"), spec(ws.port, "    path: [tools/bin]\n"));
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"], {
      PATH: `${join(ws.dir, "system-bin")}:${process.env.PATH ?? ""}`,
    });
    expect(run.final, run.stdout + run.stderr).toMatchObject({ ok: true });
    const release = join(ws.dir, ".slipway/local/releases/1/app");
    expect(readFileSync(join(release, "prepared.txt"), "utf8").trim()).toBe(`prepared in ${release}`);
    const served = await get(ws.url);
    expect(served.body).toBe(`served by ${release}/tools/bin/app-serve, migrated`);
    // The source folder is never written to: prepare and migrate ran in the copy.
    expect(existsSync(join(ws.dir, "migrated.txt"))).toBe(false);
  }, 180_000);

  it("without the key the release's programs are not found: prepare fails", async () => {
    const ws = await workspace("path-key-missing");
    cleanups.push(() => ws.cleanup());
    writeFileSync(join(ws.dir, "app.mjs"), app);
    script(ws, "tools/bin/app-prepare", "true");
    writeFileSync(join(ws.dir, "slipway.yaml"), spec(ws.port));
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.code).toBe(1);
    expect(run.final?.error).toMatchObject({ failure: { class: "prepare-failed" } });
  }, 180_000);
});
