// Benchmark: `slipway check` against kube-score, kube-linter and polaris on one corpus of ≥ 10,000
// Kubernetes objects generated from the examples (bench/check-corpus.mjs), each tool as a cold
// process on the same files, interleaved, in one run. Prints objects/second and the ratios; asserts
// nothing. Tools that test/cluster/build.sh did not build are listed as skipped.
//   npm run build && node bench/check.mjs [runs] [objects]
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { writeCorpus } from "./check-corpus.mjs";

const root = join(import.meta.dirname, "..");
const runs = Number(process.argv[2] ?? 3);
const objects = Number(process.argv[3] ?? 10_000);
const versions = Object.fromEntries(
  readFileSync(join(root, "test/cluster/versions.env"), "utf8")
    .split("\n")
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => l.split("=", 2)),
);
const cache = join(process.env.XDG_CACHE_HOME || join(process.env.HOME ?? "/root", ".cache"), "slipway-test");
const tool = (component, key, bin = component) => {
  const version = versions[key];
  if (!version) return undefined;
  const path = join(cache, `${component}-${version}`, "bin", bin);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
};

const dir = mkdtempSync(join(tmpdir(), "slipway-check-bench-"));
const corpus = await writeCorpus(dir, { objects });
const node = process.execPath;
const bin = join(root, "dist/bundle/bin.js");

/** name → [command, args, exit codes that mean "ran fine, found things"] */
const commands = { slipway: [node, [bin, "check", dir, "--min-severity", "low", "--format", "json"], [0, 1]] };
const kubeScore = tool("kube-score", "KUBE_SCORE_VERSION");
if (kubeScore) commands["kube-score"] = [kubeScore, ["score", "--output-format", "json", ...corpus.files], [0, 1]];
const kubeLinter = tool("kube-linter", "KUBE_LINTER_VERSION");
if (kubeLinter) commands["kube-linter"] = [kubeLinter, ["lint", "--format", "json", dir], [0, 1]];
const polaris = tool("polaris", "POLARIS_VERSION");
if (polaris) commands.polaris = [polaris, ["audit", "--audit-path", dir, "--format", "json", "--only-show-failed-tests"], [0, 1, 3, 4]];
const skipped = ["kube-score", "kube-linter", "polaris"].filter((n) => !(n in commands));

function time([cmd, args, okCodes]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!okCodes.includes(result.status)) throw new Error(`${cmd} exited ${result.status}: ${String(result.stderr).slice(0, 500)}`);
  return ms;
}

const samples = Object.fromEntries(Object.keys(commands).map((n) => [n, []]));
for (const name of Object.keys(commands)) time(commands[name]); // warm the page cache
for (let i = 0; i < runs; i++) {
  const order = Object.keys(commands);
  if (i % 2 === 1) order.reverse();
  for (const name of order) samples[name].push(time(commands[name]));
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `check benchmark: ${corpus.objects} objects in ${corpus.files.length} files (${corpus.broken.size} Deployments broken on purpose), ${runs} interleaved cold runs each, ${cpus().length} cores, node ${process.version}`,
);
console.log("| tool | median s | objects/s | min s | max s |");
console.log("|---|---|---|---|---|");
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs) / 1000;
  console.log(
    `| ${name} | ${m.toFixed(2)} | ${Math.round(corpus.objects / m)} | ${(Math.min(...xs) / 1000).toFixed(2)} | ${(Math.max(...xs) / 1000).toFixed(2)} |`,
  );
}
for (const name of Object.keys(commands)) {
  if (name === "slipway") continue;
  const ratio = median(samples[name]) / median(samples.slipway);
  console.log(`slipway vs ${name}: ${ratio.toFixed(2)}× the objects per second (goal > 1×)`);
}
if (skipped.length > 0) console.log(`skipped (not built by test/cluster/build.sh): ${skipped.join(", ")}`);
