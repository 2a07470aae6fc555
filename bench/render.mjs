// Benchmark: `slipway render kubernetes` of the largest example as a cold process, side by side
// with `helm template` of the chart slipway exports for it, in one run, interleaved so both see the
// same machine state, with a bare `node -e 0` of the same Node as the floor no Node CLI gets under.
// Prints medians and the ratio; asserts nothing.
//   node bench/render.mjs [runs]        (npm run bench)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 30);
const versions = Object.fromEntries(
  readFileSync(join(root, "test/cluster/versions.env"), "utf8")
    .split("\n")
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => l.split("=", 2).map((s) => s.replace(/^"|"$/g, ""))),
);
const cache = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/root", ".cache"), "slipway-test");
const helm = join(cache, `helm-${versions.HELM_VERSION}`, "bin", "helm");
const node = process.execPath;
const bin = join(root, "dist/bundle/bin.js");
const example = join(root, "examples/rails-mysql/slipway.yaml");
const env = "production";

const chart = mkdtempSync(join(tmpdir(), "slipway-bench-chart-"));
execFileSync(node, [bin, "render", "helm", "-f", example, "--out", chart]);
const namespace = JSON.parse(execFileSync(node, [bin, "render", "kubernetes", "-f", example, "-e", env, "--json"], { encoding: "utf8" }))
  .result.objects[0].metadata.name;

const commands = {
  slipway: [node, [bin, "render", "kubernetes", "-f", example, "-e", env]],
  helm: [
    helm,
    ["template", "rails-mysql", chart, "-n", namespace, "-f", join(chart, `values-${env}.yaml`), "--set", "namespace.create=true"],
  ],
  "node -e 0": [node, ["-e", "0"]],
};

function time([cmd, args]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr}`);
  return ms;
}

const names = Object.keys(commands);
const samples = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) time(commands[name]); // warm the page cache once
for (let i = 0; i < runs; i++) {
  for (const name of i % 2 === 0 ? names : [...names].reverse()) samples[name].push(time(commands[name]));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const helmVersion = execFileSync(helm, ["version", "--short"], { encoding: "utf8" }).trim();
console.log(
  `render benchmark: ${runs} interleaved cold runs each, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the end, node ${process.version}, helm ${helmVersion}`,
);
console.log("| command | median ms | min ms | max ms |");
console.log("|---|---|---|---|");
for (const [name, xs] of Object.entries(samples)) {
  console.log(`| ${name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`);
}
const ratio = median(samples.slipway) / median(samples.helm);
console.log(`ratio slipway/helm (median): ${ratio.toFixed(2)}× (goal ≤ 1×)`);
const floor = median(samples["node -e 0"]);
console.log(
  `slipway above bare Node start-up (median): ${(median(samples.slipway) - floor).toFixed(1)} ms; helm above it: ${(median(samples.helm) - floor).toFixed(1)} ms`,
);
