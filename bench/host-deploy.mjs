// Issue 17: failed requests and latency across 10 deploys of the host target, next to the hand-rolled
// stop-and-restart container redeploy, in one run on this machine.
//
//   npm run bench:host            (builds, then `node bench/host-deploy.mjs [deploys] [clients]`)
//
// Real parts only: a throwaway sshd on 127.0.0.1 (test/runtime/sshd.sh), Podman with the test
// configuration (test/runtime/podman-env.sh) and a storage of the "server"'s own (so the CLI copies
// images with `podman save | ssh … podman load`), Caddy as the proxy (a container of the static Caddy
// `bash test/cluster/build.sh caddy` builds, on busybox), two app images (busybox httpd answering /
// and /health) built here without a registry.
//
// slipway: `slipway host setup`, a first deploy, then N `slipway deploy --tag` alternating v2/v1 while
// C client loops GET / through Caddy. Peer: the same images on the server's Podman, N times
// `podman stop` + `podman rm` + `podman run` of the other tag on the same published port (no proxy),
// the same client loops hitting that port. A request fails on a connection error, a timeout (5 s) or
// a status ≥ 400. Everything started is removed at the end, on failure too.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const deploys = Number(process.argv[2] ?? 10);
const clients = Number(process.argv[3] ?? 4);
const pauseMs = 2_000;
const bin = resolve("dist/bundle/bin.js");
const sshdScript = resolve("test/runtime/sshd.sh");
const hostPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const repo = "localhost/slipway-bench/host-app";

const caddyVersion = /^CADDY_VERSION=(.*)$/m.exec(readFileSync(resolve("test/cluster/versions.env"), "utf8"))?.[1];
const caddyBin = join(
  process.env.XDG_CACHE_HOME || join(process.env.HOME ?? "", ".cache"),
  "slipway-test",
  `caddy-${caddyVersion}`,
  "bin",
  "caddy",
);
if (!existsSync(caddyBin)) {
  console.error(`bench/host-deploy: ${caddyBin} is missing: run \`bash test/cluster/build.sh caddy\``);
  process.exit(1);
}
for (const [tool, args] of [
  ["podman", ["--version"]],
  ["busybox", ["--help"]],
]) {
  if (spawnSync(tool, args).error) {
    console.error(`bench/host-deploy: ${tool} is not installed (apt-get install -y podman runc busybox-static openssh-server)`);
    process.exit(1);
  }
}
if (!existsSync(bin)) {
  console.error("bench/host-deploy: dist/bundle/bin.js is missing: run `npm run --silent build` first");
  process.exit(1);
}

const podmanVars = {};
for (const line of execFileSync("bash", [resolve("test/runtime/podman-env.sh")], { encoding: "utf8" }).split("\n")) {
  const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
  if (m) podmanVars[m[1]] = m[2];
}

const root = mkdtempSync(join(tmpdir(), "slipway-host-bench-"));
const sshdDir = join(root, "sshd");
const serverStorage = join(root, "server-storage");
const serverVars = { ...podmanVars, CONTAINERS_STORAGE_CONF: join(serverStorage, "storage.conf") };
const images = [`${repo}:v1`, `${repo}:v2`];
const peerName = "slipway-bench-peer";
let sshdStarted = false;
let setupDone = false;
let fingerprint = "";

function podman(args, vars, input) {
  const r = spawnSync("podman", args, { env: { ...process.env, ...vars }, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Podman without blocking the event loop: the client loops run in this process, so every command
 * issued while they run must be asynchronous (a spawnSync would freeze them for its whole duration).
 */
async function podmanAsync(args, vars) {
  try {
    return (await promisify(execFile)("podman", args, { env: { ...process.env, ...vars }, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (e) {
    throw new Error(`podman ${args.join(" ")} failed (${e.code}): ${e.stderr}`);
  }
}

function freePort() {
  return Number(
    execFileSync(
      process.execPath,
      ["-e", 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'],
      { encoding: "utf8" },
    ).trim(),
  );
}

/** A busybox root filesystem imported into the local Podman (no pull), as test/helpers/podman.ts does. */
function busyboxBase() {
  const ref = "localhost/slipway-bench/busybox:base";
  if (spawnSync("podman", ["image", "exists", ref], { env: { ...process.env, ...podmanVars } }).status === 0) return ref;
  const busybox = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p));
  const dir = join(root, "busybox-root");
  for (const sub of ["bin", "tmp", "etc"]) mkdirSync(join(dir, sub), { recursive: true });
  cpSync(busybox, join(dir, "bin", "busybox"));
  for (const applet of execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n"))
    if (applet !== "" && applet !== "busybox") symlinkSync("busybox", join(dir, "bin", applet));
  writeFileSync(join(dir, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  const tar = execFileSync("tar", ["-C", dir, "--owner=0", "--group=0", "--numeric-owner", "-cf", "-", "."], {
    maxBuffer: 64 * 1024 * 1024,
  });
  podman(["import", "-", ref], podmanVars, tar);
  return ref;
}

/** The proxy's image: the built Caddy at /usr/bin/caddy on the busybox base (where the official image has it). */
function buildCaddy(base) {
  const ref = "localhost/slipway-bench/caddy:base";
  const context = join(root, "ctx-caddy");
  mkdirSync(context);
  cpSync(caddyBin, join(context, "caddy"));
  writeFileSync(join(context, "Containerfile"), `FROM ${base}\nCOPY caddy /usr/bin/caddy\n`);
  podman(["build", "--quiet", "--network", "none", "-t", ref, context], podmanVars);
  return ref;
}

function buildApp(base, version) {
  const context = join(root, `ctx-${version}`);
  mkdirSync(context);
  writeFileSync(
    join(context, "Containerfile"),
    `FROM ${base}\nRUN mkdir -p /www && echo ${version} > /www/index.html && echo ok > /www/health\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
  );
  podman(["build", "--quiet", "--network", "host", "-t", `${repo}:${version}`, context], podmanVars);
}

/** One GET on a fresh connection: ok (status < 400) and its latency. */
function get(port) {
  const start = performance.now();
  return new Promise((done) => {
    const finish = (ok, why) => done({ ok, ms: performance.now() - start, why });
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => finish((res.statusCode ?? 0) < 400, `HTTP ${res.statusCode}`));
      res.on("error", (e) => finish(false, e.message));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => finish(false, e.code ?? e.message));
    req.end();
  });
}

/** `clients` loops of GET / until stopped. */
function load(port) {
  let running = true;
  const latencies = [];
  const failures = new Map();
  const failedAt = [];
  let failed = 0;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const r = await get(port);
      latencies.push(r.ms);
      if (!r.ok) {
        failed++;
        failedAt.push(performance.now());
        failures.set(r.why, (failures.get(r.why) ?? 0) + 1);
        // A refused connection returns at once: a short pause keeps a down server from being counted 10 000 times.
        await new Promise((res) => setTimeout(res, 10));
      }
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    return { total: latencies.length, failed, failures, failedAt, p50: at(0.5), p99: at(0.99) };
  };
}

async function waitServing(port, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await get(port)).ok) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cliOptions = (appDir) => ({
  cwd: appDir,
  // The laptop's Podman (where the images were built) is the test configuration's.
  env: { PATH: process.env.PATH ?? hostPath, HOME: process.env.HOME ?? root, ...podmanVars },
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});

function cli(args, appDir) {
  const r = spawnSync(process.execPath, [bin, ...args, "-f", join(appDir, "slipway.yaml"), "-e", "production"], cliOptions(appDir));
  if (r.status !== 0) throw new Error(`slipway ${args.join(" ")} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r;
}

/** The CLI as a child process without blocking the event loop (see podmanAsync). */
async function cliAsync(args, appDir) {
  try {
    await promisify(execFile)(process.execPath, [bin, ...args, "-f", join(appDir, "slipway.yaml"), "-e", "production"], cliOptions(appDir));
  } catch (e) {
    throw new Error(`slipway ${args.join(" ")} exited ${e.code}:\n${e.stderr}${e.stdout}`);
  }
}

function cleanup() {
  if (setupDone) {
    try {
      cli(["down"], join(root, "app"));
    } catch (e) {
      console.error(`cleanup: slipway down failed: ${e.message.split("\n")[0]}`);
    }
  }
  if (existsSync(serverStorage)) {
    spawnSync("podman", ["rm", "--all", "--force", "--time", "2"], { env: { ...process.env, ...serverVars } });
    spawnSync("podman", ["rmi", "--all", "--force"], { env: { ...process.env, ...serverVars } });
  }
  if (sshdStarted) spawnSync(sshdScript, ["stop", sshdDir]);
  spawnSync("podman", ["rmi", "--force", ...images, "localhost/slipway-bench/caddy:base"], { env: { ...process.env, ...podmanVars } });
  rmSync(root, { recursive: true, force: true });
}

let interrupted = false;
process.on("SIGINT", () => {
  interrupted = true;
});

const load1 = loadavg()[0];
const rows = {};
try {
  // The server: sshd, its own image storage, app images built on "the laptop".
  const sshPort = execFileSync(sshdScript, ["start", sshdDir], { encoding: "utf8" }).trim();
  sshdStarted = true;
  fingerprint = execFileSync("ssh-keygen", ["-lf", join(sshdDir, "host_ed25519_key.pub")], { encoding: "utf8" }).split(" ")[1];
  mkdirSync(serverStorage);
  writeFileSync(
    join(serverStorage, "storage.conf"),
    `[storage]\ndriver = "overlay"\ngraphroot = "${serverStorage}/graph"\nrunroot = "${serverStorage}/run"\n`,
  );
  const base = busyboxBase();
  const caddyRef = buildCaddy(base);
  buildApp(base, "v1");
  buildApp(base, "v2");

  // slipway: host setup, a first deploy (not measured), then N deploys under load.
  const proxyPort = freePort();
  const appDir = join(root, "app");
  mkdirSync(appDir);
  writeFileSync(
    join(appDir, "slipway.yaml"),
    `name: hostbench
app:
  image: ${repo}:v1
  port: 8080
  health: /health
  scale: { min: 1, max: 1 }
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:${sshPort}
    identity: ${join(sshdDir, "client_key")}
    port: ${proxyPort}
    dir: ${join(root, "srv")}
    proxy: { image: ${caddyRef} }
`,
  );
  const runtimeEnv = Object.entries(serverVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
  cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv], appDir);
  setupDone = true;
  cli(["deploy", "--accept-host-key", fingerprint], appDir);
  await waitServing(proxyPort);
  {
    const stop = load(proxyPort);
    const times = [];
    const windows = [];
    for (let i = 0; i < deploys && !interrupted; i++) {
      await sleep(pauseMs);
      const tag = i % 2 === 0 ? "v2" : "v1";
      const start = performance.now();
      await cliAsync(["deploy", "--tag", tag], appDir);
      times.push(performance.now() - start);
      windows.push([start, performance.now()]);
      process.stderr.write(`slipway deploy ${i + 1}/${deploys} (${tag}): ${(times.at(-1) / 1000).toFixed(1)} s\n`);
    }
    await sleep(pauseMs);
    rows.slipway = { ...(await stop()), times, windows };
  }
  cli(["down"], appDir);
  setupDone = false;

  // Peer: stop + rm + run on the same published port, clients on that port; images already on the server.
  const peerPort = freePort();
  const run = (tag) =>
    podmanAsync(
      ["run", "--detach", "--init", "--name", peerName, "--network", "bridge", "--publish", `127.0.0.1:${peerPort}:8080`, `${repo}:${tag}`],
      serverVars,
    );
  await run("v1");
  await waitServing(peerPort);
  {
    const stop = load(peerPort);
    const times = [];
    const backs = [];
    for (let i = 0; i < deploys && !interrupted; i++) {
      await sleep(pauseMs);
      const tag = i % 2 === 0 ? "v2" : "v1";
      const start = performance.now();
      await podmanAsync(["stop", peerName], serverVars);
      await podmanAsync(["rm", peerName], serverVars);
      await run(tag);
      times.push(performance.now() - start);
      await waitServing(peerPort);
      backs.push(performance.now() - start);
      process.stderr.write(
        `stop+rm+run ${i + 1}/${deploys} (${tag}): ${(times.at(-1) / 1000).toFixed(1)} s, answering after ${(backs.at(-1) / 1000).toFixed(1)} s\n`,
      );
    }
    await sleep(pauseMs);
    rows.peer = { ...(await stop()), times, backs };
  }
  podman(["rm", "--force", peerName], serverVars);
} finally {
  cleanup();
}

const load2 = loadavg()[0];
const fmt = (r) => [
  String(r.total),
  String(r.failed),
  `${((100 * r.failed) / Math.max(1, r.total)).toFixed(2)} %`,
  r.p50.toFixed(1),
  r.p99.toFixed(1),
  (median(r.times) / 1000).toFixed(2),
];
const header = ["", "requests", "failed", "failed %", "p50 ms", "p99 ms", "deploy s (median)"];
const table = [header, ["slipway deploy", ...fmt(rows.slipway)], ["stop+rm+run", ...fmt(rows.peer)]];
const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
console.log(`${deploys} deploys, ${clients} client loops, load average ${load1.toFixed(2)} → ${load2.toFixed(2)}`);
for (const row of table) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "));
const ratio = (a, b) => (b === 0 ? (a === 0 ? "—" : "∞") : `${(a / b).toFixed(2)}×`);
console.log(
  `ratios slipway/peer: failed ${ratio(rows.slipway.failed, rows.peer.failed)}, p99 ${ratio(rows.slipway.p99, rows.peer.p99)}, deploy time ${ratio(median(rows.slipway.times), median(rows.peer.times))}`,
);
console.log(`peer: answering again after stop+rm+run, median ${(median(rows.peer.backs) / 1000).toFixed(2)} s`);
for (const [name, r] of Object.entries(rows))
  if (r.failures.size > 0) console.log(`${name} failures: ${[...r.failures].map(([why, n]) => `${why} ×${n}`).join(", ")}`);
// Where slipway's failed requests fell: which deploy, how far into its wall time (to find the phase).
const where = new Map();
for (const t of rows.slipway.failedAt) {
  const i = rows.slipway.windows.findIndex(([a, b]) => t >= a && t <= b);
  const key =
    i < 0 ? "between deploys" : `deploy ${i + 1} (${((rows.slipway.windows[i][1] - rows.slipway.windows[i][0]) / 1000).toFixed(1)} s)`;
  const at = i < 0 ? "" : `${((t - rows.slipway.windows[i][0]) / 1000).toFixed(1)}`;
  where.set(key, [...(where.get(key) ?? []), at]);
}
for (const [key, ats] of where) console.log(`slipway failures in ${key}: ${ats.length}${ats[0] ? ` at ${ats.join(", ")} s` : ""}`);
console.log(`deploy times s: slipway ${rows.slipway.times.map((t) => (t / 1000).toFixed(1)).join(" ")}`);
console.log(`deploy times s: stop+rm+run ${rows.peer.times.map((t) => (t / 1000).toFixed(1)).join(" ")}`);
