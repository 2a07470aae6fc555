// Benchmark: `slipway check` against kube-score and kube-linter (and polaris when built) at three
// sizes of one varied corpus (bench/check-corpus.mjs writeMixedCorpus: Helm-shaped releases with
// RBAC, StatefulSets with volumeClaimTemplates, CRDs and custom resources, CronJobs/Jobs,
// Ingresses, NetworkPolicies, multi-document files). Every tool is a cold process on the same
// files, runs interleaved (the order rotates), medians printed with the ratios, and a bare
// `node -e 0` in the same rotation as the start-up floor of any Node CLI. Asserts nothing
// about time. A tool not found is named and skipped; the rest still runs.
//
//   npm run build && node bench/check.mjs [runs=5] [sizes=40,1000,10000] [--corpus mixed|examples]
//
// Tools by path: SLIPWAY_KUBE_SCORE, SLIPWAY_KUBE_LINTER, SLIPWAY_POLARIS, else the cache that
// test/cluster/build.sh fills (~/.cache/slipway-test/<tool>-<version>/bin/<tool>). kube-linter's
// module path is refused by the Go module proxy: build it from a checkout of stackrox/kube-linter
// (`GOFLAGS=-mod=mod go build -o ~/.cache/slipway-test/kube-linter-905fb08/bin/kube-linter ./cmd/kube-linter`).
//
// SLIPWAY_BIN=/path/to/bin.js measures another build as slipway.
// SLIPWAY_BASELINE=/path/to/an/older/dist/bundle/bin.js: also runs that build once per size and
// fails (exit 1) unless both report the same findings: speed work must not change a result.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeCorpus, writeMixedCorpus } from "./check-corpus.mjs";

const root = join(import.meta.dirname, "..");
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--corpus");
const corpusKind = process.argv.includes("--corpus") ? process.argv[process.argv.indexOf("--corpus") + 1] : "mixed";
const runs = Number(positional[0] ?? 5);
const sizes = (positional[1] ?? "40,1000,10000").split(",").map(Number);

const versions = Object.fromEntries(
  readFileSync(join(root, "test/cluster/versions.env"), "utf8")
    .split("\n")
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => l.split("=", 2)),
);
const cache = join(process.env.XDG_CACHE_HOME || join(process.env.HOME ?? "/root", ".cache"), "slipway-test");
const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
/** The first executable of: $env, then the cache entries for the given versions. */
function findTool(name, envVar, cacheVersions) {
  const candidates = [process.env[envVar], ...cacheVersions.filter(Boolean).map((v) => join(cache, `${name}-${v}`, "bin", name))];
  const path = candidates.find((p) => p && executable(p));
  return { path, looked: candidates.filter(Boolean) };
}
const peers = {
  "kube-score": { ...findTool("kube-score", "SLIPWAY_KUBE_SCORE", [versions.KUBE_SCORE_VERSION]), version: versions.KUBE_SCORE_VERSION },
  "kube-linter": { ...findTool("kube-linter", "SLIPWAY_KUBE_LINTER", ["905fb08", versions.KUBE_LINTER_VERSION]), version: undefined },
  polaris: { ...findTool("polaris", "SLIPWAY_POLARIS", [versions.POLARIS_VERSION]), version: versions.POLARIS_VERSION },
};
const versionOf = (path) => {
  const out = spawnSync(path, ["version"], { encoding: "utf8" });
  return `${out.stdout ?? ""}`.trim().split("\n")[0]?.slice(0, 60) || "?";
};

const node = process.execPath;
const bin = process.env.SLIPWAY_BIN ?? join(root, "dist/bundle/bin.js"); // SLIPWAY_BIN: measure another build
const baseline = process.env.SLIPWAY_BASELINE;

function time([cmd, args, okCodes], cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!okCodes.includes(result.status)) throw new Error(`${cmd} exited ${result.status}: ${String(result.stderr).slice(0, 500)}`);
  return { ms, stdout: result.stdout };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Findings of a `check --format json` report as comparable lines. */
const findingSet = (stdout) =>
  JSON.parse(String(stdout))
    .result.findings.map((f) => JSON.stringify([f.ruleId, f.file, f.line, f.object, f.path, f.message, f.severity, f.waived ?? null]))
    .sort();

console.log(
  `check benchmark: corpus ${corpusKind}, sizes ${sizes.join(", ")}, ${runs} interleaved cold runs per tool, ${cpus().length} cores, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const [name, p] of Object.entries(peers)) {
  if (p.path) console.log(`${name}: ${p.path} (${versionOf(p.path)})`);
  else console.log(`${name}: not found (looked at ${p.looked.join(", ") || "nothing"}), skipped`);
}

let mismatch = false;
const rows = [];
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "slipway-check-bench-"));
  const corpus = corpusKind === "examples" ? await writeCorpus(dir, { objects: size }) : await writeMixedCorpus(dir, { objects: size });
  const slipwayArgs = ["check", dir, "--min-severity", "low", "--format", "json"];
  /** name → [command, args, exit codes that mean "ran fine, found things"] */
  // A bare `node -e 0` of the same Node: the floor no Node CLI gets under (measured beside the peers).
  const commands = { slipway: [node, [bin, ...slipwayArgs], [0, 1]], "node -e 0": [node, ["-e", "0"], [0]] };
  if (peers["kube-score"].path)
    commands["kube-score"] = [peers["kube-score"].path, ["score", "--output-format", "json", ...corpus.files], [0, 1]];
  if (peers["kube-linter"].path) commands["kube-linter"] = [peers["kube-linter"].path, ["lint", "--format", "json", dir], [0, 1]];
  if (peers.polaris.path)
    commands.polaris = [peers.polaris.path, ["audit", "--audit-path", dir, "--format", "json", "--only-show-failed-tests"], [0, 1, 3, 4]];

  const first = {};
  for (const name of Object.keys(commands)) first[name] = time(commands[name], dir); // warms the page cache
  if (baseline) {
    const before = findingSet(time([node, [baseline, ...slipwayArgs], [0, 1]], dir).stdout);
    const after = findingSet(first.slipway.stdout);
    const a = new Set(after);
    const b = new Set(before);
    const lost = before.filter((x) => !a.has(x));
    const gained = after.filter((x) => !b.has(x));
    if (lost.length + gained.length > 0) {
      mismatch = true;
      console.log(`size ${size}: findings differ from ${baseline}: ${lost.length} lost, ${gained.length} new`);
      for (const x of [...lost.slice(0, 5).map((l) => `- ${l}`), ...gained.slice(0, 5).map((g) => `+ ${g}`)]) console.log(`  ${x}`);
    } else console.log(`size ${size}: ${after.length} findings, identical to ${baseline}`);
  }
  const samples = Object.fromEntries(Object.keys(commands).map((n) => [n, []]));
  const names = Object.keys(commands);
  for (let i = 0; i < runs; i++) {
    const order = names.map((_, j) => names[(i + j) % names.length]);
    for (const name of order) samples[name].push(time(commands[name], dir).ms);
  }
  rmSync(dir, { recursive: true, force: true });
  rows.push({ size, objects: corpus.objects, files: corpus.files.length, samples });
}

for (const { objects, files, samples } of rows) {
  console.log(`\n${objects} objects in ${files} files`);
  console.log("| tool | median s | objects/s | min s | max s |");
  console.log("|---|---|---|---|---|");
  for (const [name, xs] of Object.entries(samples)) {
    const m = median(xs) / 1000;
    console.log(
      `| ${name} | ${m.toFixed(3)} | ${name === "node -e 0" ? "—" : Math.round(objects / m)} | ${(Math.min(...xs) / 1000).toFixed(3)} | ${(Math.max(...xs) / 1000).toFixed(3)} |`,
    );
  }
  const floor = median(samples["node -e 0"]);
  console.log(
    `slipway above bare Node start-up (node -e 0, median ${(floor / 1000).toFixed(3)} s): ${((median(samples.slipway) - floor) / 1000).toFixed(3)} s`,
  );
  for (const name of Object.keys(samples)) {
    if (name === "slipway" || name === "node -e 0") continue;
    const ratio = median(samples[name]) / median(samples.slipway);
    const goal = name === "kube-score" && objects >= 5000 ? 10 : 1;
    console.log(`slipway vs ${name}: ${ratio.toFixed(2)}× the objects per second (goal ≥ ${goal}×: ${ratio >= goal ? "met" : "not met"})`);
  }
}
if (mismatch) {
  console.log("\nfindings changed against the baseline");
  process.exit(1);
}
