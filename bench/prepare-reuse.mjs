// Benchmark (issue 11): first local deploy vs a code-only redeploy, which reuses the previous
// release's prepared dependencies (node_modules, a virtualenv) instead of installing them again.
//   npm run bench:prepare [-- node-postgres flask-journal]
// Each app is deployed from a fresh copy: deploy 1, an edit to one source file, deploy 2, then an
// edit to the dependency list and deploy 3 (a fresh install again). Reported: wall time of each
// `slipway deploy`, its prepare phase, and the disk the release folder adds (hard links counted once).
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "dist/bundle/bin.js");

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const edit = (dir, file, change) => writeFileSync(join(dir, file), change(readFileSync(join(dir, file), "utf8")));
const slipway = (dir, ...args) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });

/** Kilobytes used by `dirs` together, each hard-linked file counted once. */
const duKb = (dirs) =>
  Number(
    spawnSync("du", ["-skc", ...dirs], { encoding: "utf8" })
      .stdout.trim()
      .split("\n")
      .at(-1)
      ?.split("\t")[0] ?? 0,
  );

const apps = {
  "node-postgres": {
    source: "examples/node-postgres",
    init: false,
    codeEdit: ["server.js", (t) => t.replace("Hello from", "Howdy from")],
    depsEdit: ["package.json", (t) => t.replace('"private": true', '"private": true,\n  "keywords": ["bench"]')],
  },
  "flask-journal": {
    source: "test/apps/flask-journal",
    init: true,
    // SQLAlchemy 2.1 reads postgresql:// as psycopg 3; this app pins psycopg2 (init's guess was postgresql://).
    specEdit: (t) => t.replace("  engine: postgres ", "  urlScheme: postgresql+psycopg2\n  engine: postgres "),
    codeEdit: ["journal/__init__.py", (t) => `${t}\n# edited\n`],
    depsEdit: ["requirements.txt", (t) => `${t}# edited\n`],
  },
};

async function bench(name) {
  const app = apps[name];
  const dir = mkdtempSync(join(tmpdir(), `slipway-bench-reuse-${name}-`));
  chmodSync(dir, 0o755);
  cpSync(join(root, app.source), dir, { recursive: true, filter: (src) => !/node_modules|\.slipway|\.venv/.test(src) });
  const port = await freePort();
  if (app.init) {
    const init = slipway(dir, "init", "--yes");
    if (init.status !== 0) throw new Error(init.stderr);
  }
  edit(dir, "slipway.yaml", (t) => (app.specEdit ?? ((x) => x))(t.replace(/port: 4000/, `port: ${port}`)));
  const rows = [];
  const deploy = (label) => {
    const t0 = process.hrtime.bigint();
    const run = slipway(dir, "deploy", "-e", "local", "--json", "--force");
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const events = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const final = events.findLast((e) => "ok" in e);
    if (!final?.ok) throw new Error(`${name} ${label}: ${run.stdout.slice(-2000)}${run.stderr.slice(-2000)}`);
    const prepare = events.find((e) => e.type === "phase-finished" && e.phase === "prepare")?.durationMs ?? 0;
    const reused = events.some((e) => e.type === "log" && e.phase === "prepare" && String(e.line).startsWith("reused"));
    const revision = final.result.revision;
    // Disk a release adds: du counts a hard-linked file once per invocation, so measure the new
    // release together with the previous ones and subtract.
    const releases = Array.from({ length: revision }, (_, i) => join(dir, ".slipway/local/releases", String(i + 1)));
    const total = duKb(releases);
    const before = revision > 1 ? duKb(releases.slice(0, -1)) : 0;
    rows.push({ label, seconds, prepareSeconds: prepare / 1000, reused, addedMB: (total - before) / 1024 });
  };
  try {
    deploy("first deploy");
    edit(dir, ...app.codeEdit);
    deploy("code-only redeploy");
    edit(dir, ...app.depsEdit);
    deploy("dependency change");
  } finally {
    slipway(dir, "down", "-e", "local");
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(apps);
for (const name of chosen) {
  const rows = await bench(name);
  console.log(`\n${name}`);
  console.log("| deploy | wall time | prepare phase | dependencies reused | disk added by the release |");
  console.log("|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.label} | ${r.seconds.toFixed(1)} s | ${r.prepareSeconds.toFixed(1)} s | ${r.reused ? "yes" : "no"} | ${r.addedMB.toFixed(1)} MB |`,
    );
}
