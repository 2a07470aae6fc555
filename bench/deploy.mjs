// Benchmark (issue 6): zero-downtime deploys under load, side by side with the hand-written
// stop-then-start redeploy they replace, and the time to catch and roll back a crashing release.
//   npm run bench:deploy [-- DEPLOYS]        (default 10 deploys each way)
// Load comes from autocannon on loopback (4 connections, bounded by the run's duration).
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "dist/bundle/bin.js");
const deploys = Number(process.argv[2] ?? 10);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), "slipway-bench-deploy-"));
  chmodSync(dir, 0o755);
  cpSync(join(root, "examples/node-postgres"), dir, { recursive: true, filter: (src) => !/node_modules|\.slipway/.test(src) });
  return dir;
}
const edit = (dir, file, change) => writeFileSync(join(dir, file), change(readFileSync(join(dir, file), "utf8")));
const slipway = (dir, ...args) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8" });
/** The same, without blocking this process's event loop (autocannon runs in it). */
const slipwayAsync = (dir, ...args) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (status) => resolve({ status, stderr }));
  });

/** Runs autocannon against `url` while `work` runs; returns its totals. */
async function underLoad(url, work) {
  const instance = autocannon({ url, connections: 4, duration: 3600, timeout: 5 });
  const result = new Promise((resolve) => instance.on("done", resolve));
  await new Promise((r) => setTimeout(r, 500));
  await work();
  instance.stop();
  const r = await result;
  return { requests: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx, p99: r.latency.p99, max: r.latency.max };
}

const row = (name, r, extra) => `| ${name} | ${r.requests} | ${r.errors + r.non2xx} | ${r.p99} | ${r.max} | ${extra} |`;

// 1. slipway: N consecutive deploys of a changing version through the local target.
const dir = workspace();
const port = await freePort();
edit(dir, "slipway.yaml", (t) => t.replace("port: 4000", `port: ${port}`));
if (slipway(dir, "deploy", "-e", "local").status !== 0) throw new Error("first deploy failed");
const url = `http://127.0.0.1:${port}/health`;
let deployMs = 0;
const ours = await underLoad(url, async () => {
  for (let i = 0; i < deploys; i++) {
    edit(dir, "slipway.yaml", (t) => t.replace(/APP_VERSION: "[^"]+"/, `APP_VERSION: "1.0.${i + 1}"`));
    const t0 = Date.now();
    const r = await slipwayAsync(dir, "deploy", "-e", "local");
    deployMs += Date.now() - t0;
    if (r.status !== 0) throw new Error(`deploy ${i + 1} failed:\n${r.stderr}`);
  }
});

// 2. The script it replaces: stop the process, start the new one on the same port, wait for it.
const env = { ...process.env };
const dbEnv = JSON.parse(
  slipway(dir, "exec", "-e", "local", "--", "node", "-e", "console.log(JSON.stringify({DATABASE_URL:process.env.DATABASE_URL}))")
    .stdout.trim()
    .split("\n")
    .pop(),
);
const appPort = await freePort();
const appDir = join(dir, ".slipway", "local", "releases", String(deploys + 1), "app");
const startApp = () =>
  spawn(process.execPath, ["server.js"], { cwd: appDir, env: { ...env, ...dbEnv, PORT: String(appPort) }, stdio: "ignore" });
const waitPort = async () => {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${appPort}/health`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
};
let app = startApp();
await waitPort();
const naive = await underLoad(`http://127.0.0.1:${appPort}/health`, async () => {
  for (let i = 0; i < deploys; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((r) => app.once("exit", r));
    app.kill("SIGTERM");
    await exited;
    app = startApp();
    await waitPort();
  }
});
app.kill("SIGTERM");

// 3. A release that crashes on boot: seconds from `slipway deploy` to rolled back and exit 1.
edit(dir, "server.js", (t) => `if (process.env.APP_VERSION === "crash") process.exit(1);\n${t}`);
edit(dir, "slipway.yaml", (t) => t.replace(/APP_VERSION: "[^"]+"/, 'APP_VERSION: "crash"'));
const crashTimes = [];
for (let i = 0; i < 3; i++) {
  const t0 = Date.now();
  const r = slipway(dir, "deploy", "-e", "local");
  if (r.status !== 1) throw new Error(`the crashing deploy exited ${r.status}`);
  crashTimes.push((Date.now() - t0) / 1000);
}
slipway(dir, "down", "-e", "local");
rmSync(dir, { recursive: true, force: true });

console.log(
  `deploy benchmark: ${deploys} redeploys each way under autocannon (4 connections, GET /health), ${cpus().length} cores, node ${process.version}`,
);
console.log("| redeploy method | requests | failed | p99 ms | max ms | note |");
console.log("|---|---|---|---|---|---|");
console.log(row("slipway deploy (local target)", ours, `mean ${(deployMs / deploys / 1000).toFixed(1)} s per deploy`));
console.log(row("stop-then-start script", naive, "kill, start, wait for the port"));
console.log(`crashing release, deploy → rolled back → exit 1: ${crashTimes.map((s) => `${s.toFixed(1)} s`).join(", ")}`);
