// The README's tour: deploy examples/node-postgres v1 locally, then v2 with zero downtime under
// load, then a v3 that crashes on boot (detected and rolled back), then show the history.
//   npm run demo          (after `npm ci`)
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "dist/bundle/bin.js");
const dir = join(root, ".demo", "node-postgres");
const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\u001b[1m${s}\u001b[22m` : s);

function step(title) {
  console.log(`\n${bold(`── ${title}`)}`);
}

function slipway(...args) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: dir, stdio: "inherit" });
  return result.status;
}

/** The same without blocking this process, so the load loop keeps running during the deploy. */
function slipwayAsync(...args) {
  return new Promise((resolve) => spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: "inherit" }).on("close", resolve));
}

function edit(file, change) {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, "utf8")));
}

/** Requests in a tight loop against the proxy while `work` runs; counts what failed. */
async function underLoad(url, work) {
  let ok = 0;
  let failed = 0;
  let running = true;
  const versions = new Set();
  const loop = async () => {
    while (running) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const text = await response.text();
        if (response.ok) {
          ok++;
          versions.add(/node-postgres (\S+)!/.exec(text)?.[1] ?? "?");
        } else failed++;
      } catch {
        failed++;
      }
    }
  };
  const loops = [loop(), loop(), loop(), loop()];
  const status = await new Promise((resolve) => setTimeout(() => resolve(work()), 300));
  running = false;
  await Promise.all(loops);
  return { ok, failed, versions: [...versions], status };
}

if (!existsSync(bin)) {
  console.error("Build first: npm ci (or npm run build).");
  process.exit(2);
}
if (existsSync(join(dir, ".slipway"))) spawnSync(process.execPath, [bin, "down", "-e", "local"], { cwd: dir, stdio: "inherit" });
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync(join(root, "examples/node-postgres"), dir, { recursive: true, filter: (src) => !/node_modules|\.slipway/.test(src) });
const port = Number(process.env.SLIPWAY_DEMO_PORT ?? 4100);
edit("slipway.yaml", (t) => t.replace("port: 4000", `port: ${port}`));
const url = `http://127.0.0.1:${port}/`;

step(`v1: first deploy (a copy of examples/node-postgres in ${dir})`);
if (slipway("deploy", "-e", "local") !== 0) process.exit(1);
console.log(await (await fetch(url)).text());

step("v2: deploy while 4 clients send requests in a loop — zero downtime");
edit("slipway.yaml", (t) => t.replace('APP_VERSION: "1.0.0"', 'APP_VERSION: "2.0.0"'));
const load = await underLoad(url, () => slipwayAsync("deploy", "-e", "local"));
console.log(`requests during the deploy: ${load.ok} ok, ${load.failed} failed; versions seen: ${load.versions.join(", ")}`);

step("v3: a release that crashes on boot — detected and rolled back");
edit(
  "server.js",
  (t) => `if (process.env.APP_VERSION === "3.0.0") { console.error("v3: cannot start: missing config"); process.exit(1); }\n${t}`,
);
edit("slipway.yaml", (t) => t.replace('APP_VERSION: "2.0.0"', 'APP_VERSION: "3.0.0"'));
const crashed = slipway("deploy", "-e", "local");
console.log(`deploy exit code: ${crashed} (non-zero: the failure was caught)`);
console.log(`still serving: ${(await (await fetch(url)).text()).trim()}`);

step("history");
slipway("history", "-e", "local");
console.log(`\nThe app keeps running at ${url}. Stop it with: npx slipway down -f .demo/node-postgres/slipway.yaml -e local`);
