// Issue 17: how Caddy switches a route under load, two ways, in one run on this machine.
//
//   node bench/caddy-reload.mjs [switches] [clients] [caddy binary]
//   (defaults: 30, 4, the Caddy `bash test/cluster/build.sh caddy` builds, else caddy on PATH)
//
// Both ways use the same Caddy, the same two upstreams (Node HTTP servers on 127.0.0.1 answering
// "ok") and the same client loops (GET / on a fresh connection each, as the host bench does):
//   - "config load": each switch POSTs a whole new config to /load over the admin socket (what
//     slipway's host target did until this change; what `caddy reload` does);
//   - "link rename": Caddy's config never changes; its upstream is the `{file.…}` placeholder of a
//     file under a `current` symlink, and each switch renames a new link over it (what it does now).
// A request fails on a connection error, a timeout (5 s) or a status ≥ 400. Failures are printed by
// their error (Node's `socket hang up`: closed without an answer; `ECONNRESET`: reset).
// Set TCP_MIGRATE_REQ=1 to run with net.ipv4.tcp_migrate_req=1 (as root; set back afterwards).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { createServer as netServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const switches = Number(process.argv[2] ?? 30);
const clients = Number(process.argv[3] ?? 4);
const cacheBase = process.env.XDG_CACHE_HOME || join(process.env.HOME ?? "", ".cache");
const caddyVersion = /^CADDY_VERSION=(.*)$/m.exec(readFileSync(new URL("../test/cluster/versions.env", import.meta.url), "utf8"))?.[1];
const built = join(cacheBase, "slipway-test", `caddy-${caddyVersion}`, "bin", "caddy");
const caddy = process.argv[4] ?? (existsSync(built) ? built : "caddy");
const gapMs = 300;

const version = spawnSync(caddy, ["version"], { encoding: "utf8" });
if (version.error) {
  console.error(`bench/caddy-reload: ${caddy} is not installed (apt-get install -y caddy)`);
  process.exit(1);
}
const migrateFile = "/proc/sys/net/ipv4/tcp_migrate_req";
const migrateBefore = (() => {
  try {
    return readFileSync(migrateFile, "utf8").trim();
  } catch {
    return undefined;
  }
})();
if (process.env.TCP_MIGRATE_REQ === "1") writeFileSync(migrateFile, "1\n");

const root = mkdtempSync(join(tmpdir(), "slipway-caddy-bench-"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((done) => {
    const s = netServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });

function get(port) {
  const start = performance.now();
  return new Promise((done) => {
    const finish = (why) => done({ why, ms: performance.now() - start });
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => finish((res.statusCode ?? 0) < 400 ? undefined : `HTTP ${res.statusCode}`));
      res.on("error", (e) => finish(e.message));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => finish(`${e.code ?? ""} ${e.message}`.trim()));
    req.end();
  });
}

async function measure(way) {
  const dir = join(root, way.replace(" ", "-"));
  mkdirSync(join(dir, "releases", "a"), { recursive: true });
  mkdirSync(join(dir, "releases", "b"), { recursive: true });
  const [port, portA, portB] = [await freePort(), await freePort(), await freePort()];
  const hits = { a: 0, b: 0 };
  const servers = [
    ["a", portA],
    ["b", portB],
  ].map(([name, p]) => {
    const s = createServer((_q, r) => {
      hits[name]++;
      r.end("ok\n");
    });
    s.listen(p, "127.0.0.1");
    return s;
  });
  writeFileSync(join(dir, "releases", "a", "0"), `127.0.0.1:${portA}\n`);
  writeFileSync(join(dir, "releases", "b", "0"), `127.0.0.1:${portB}\n`);
  symlinkSync("releases/a", join(dir, "current"));
  const socket = join(dir, "admin.sock");
  const config = (dial) => ({
    admin: { listen: `unix/${socket}`, origins: ["localhost"] },
    logging: { logs: { default: { level: "ERROR" } } },
    apps: {
      http: {
        grace_period: "20s",
        servers: {
          s: {
            listen: [`:${port}`],
            automatic_https: { disable: true },
            routes: [
              {
                handle: [
                  {
                    handler: "reverse_proxy",
                    transport: { protocol: "http", keep_alive: { enabled: false } },
                    upstreams: [{ dial }],
                    load_balancing: { try_duration: "5s", try_interval: "100ms" },
                  },
                ],
              },
            ],
          },
        },
      },
    },
  });
  const configFile = join(dir, "caddy.json");
  const linked = way === "link rename";
  writeFileSync(configFile, JSON.stringify(config(linked ? `{file.${dir}/current/0}` : `127.0.0.1:${portA}`)));
  const proc = spawn(caddy, ["run", "--config", configFile], { stdio: "ignore", env: { ...process.env, HOME: dir } });
  let probe = await get(port);
  for (let i = 0; i < 100 && probe.why !== undefined && probe.why !== "HTTP 502"; i++) {
    await sleep(100);
    probe = await get(port);
  }
  if (probe.why !== undefined) {
    // Caddy before 2.7 has no {file.*} placeholder: the dial address reads as empty (502).
    proc.kill("SIGTERM");
    await new Promise((r) => proc.on("close", r));
    for (const s of servers) s.close();
    return { unsupported: probe.why };
  }

  let running = true;
  const latencies = [];
  const failures = new Map();
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const r = await get(port);
      latencies.push(r.ms);
      if (r.why !== undefined) failures.set(r.why, (failures.get(r.why) ?? 0) + 1);
    }
  });
  for (let i = 1; i <= switches; i++) {
    await sleep(gapMs);
    const to = i % 2 === 1 ? "b" : "a";
    if (linked) {
      symlinkSync(`releases/${to}`, join(dir, "current.tmp"));
      renameSync(join(dir, "current.tmp"), join(dir, "current"));
    } else {
      writeFileSync(configFile, JSON.stringify(config(`127.0.0.1:${to === "a" ? portA : portB}`)));
      await new Promise((done) => {
        const curl = spawn(
          "curl",
          [
            "-sS",
            "--fail",
            "--unix-socket",
            socket,
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            `@${configFile}`,
            "http://localhost/load",
          ],
          { stdio: "ignore" },
        );
        curl.on("close", done);
      });
    }
  }
  await sleep(gapMs);
  running = false;
  await Promise.all(loops);
  proc.kill("SIGTERM");
  await new Promise((r) => proc.on("close", r));
  for (const s of servers) s.close();
  latencies.sort((x, y) => x - y);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const failed = [...failures.values()].reduce((s, n) => s + n, 0);
  return { total: latencies.length, failed, failures, hits, p50: at(0.5), p99: at(0.99) };
}

const load1 = loadavg()[0];
const rows = {};
try {
  rows["config load"] = await measure("config load");
  rows["link rename"] = await measure("link rename");
} finally {
  if (migrateBefore !== undefined && process.env.TCP_MIGRATE_REQ === "1") writeFileSync(migrateFile, `${migrateBefore}\n`);
  rmSync(root, { recursive: true, force: true });
}
console.log(
  `caddy ${caddy === built ? caddyVersion : version.stdout.trim().split(" ")[0]}, ${switches} switches, ${clients} client loops, tcp_migrate_req ${process.env.TCP_MIGRATE_REQ === "1" ? "1" : (migrateBefore ?? "?")}, load average ${load1.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
);
console.log("way          requests  failed  p50 ms  p99 ms  served by a / b");
for (const [way, r] of Object.entries(rows))
  if (r.unsupported)
    console.log(`${way.padEnd(11)}  not possible with this Caddy (${r.unsupported}: no {file.*} placeholder before Caddy 2.7)`);
  else
    console.log(
      `${way.padEnd(11)}  ${String(r.total).padStart(8)}  ${String(r.failed).padStart(6)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p99.toFixed(2).padStart(6)}  ${r.hits.a} / ${r.hits.b}`,
    );
for (const [way, r] of Object.entries(rows))
  if (r.failed > 0) console.log(`${way} failures: ${[...r.failures].map(([why, n]) => `${why} ×${n}`).join(", ")}`);
const a = rows["config load"];
const b = rows["link rename"];
if (!b.unsupported)
  console.log(
    `ratios link/config: failed ${a.failed === 0 ? "—" : `${(b.failed / a.failed).toFixed(2)}×`}, p99 ${(b.p99 / a.p99).toFixed(2)}×`,
  );
