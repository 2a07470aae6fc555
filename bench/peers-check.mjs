// Peer cross-check: runs slipway check, kube-score, kubeconform (offline schemas), polaris and
// kube-linter (when test/cluster/build.sh built them) on one corpus of manifests
// (bench/check-corpus.mjs), maps the peers' findings to slipway rules through the rule catalogue's
// peer table (`slipway rules --json`), and prints where they disagree. A report, not a test;
// `--json` prints the data that test/integration/check/peers.test.ts asserts on.
//   npm run build && node bench/peers-check.mjs [objects] [--json]
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCorpus } from "./check-corpus.mjs";

const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const asJson = args.includes("--json");
const objects = Number(args.find((a) => /^\d+$/.test(a)) ?? 3000);

const versions = Object.fromEntries(
  readFileSync(join(root, "test/cluster/versions.env"), "utf8")
    .split("\n")
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => l.split("=", 2)),
);
const cache = join(process.env.XDG_CACHE_HOME || join(process.env.HOME ?? "/root", ".cache"), "slipway-test");
const tool = (component, key) => {
  const version = versions[key];
  if (!version) return undefined;
  const path = join(cache, `${component}-${version}`, "bin", component);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
};
const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return r.stdout;
};

/** What each peer's checks mean, for the two questions the issue asks every checker to agree on. */
const signals = {
  root: {
    slipway: ["SLW-K8S-001", "SLW-K8S-014", "SLW-K8S-015"],
    kubeScore: (check, comments) =>
      check === "container-security-context-user-group-id" && comments.some((c) => /no configured security context|low user ID/.test(c)),
    polaris: (check) => check === "runAsRootAllowed",
    kubeLinter: (check) => check === "run-as-non-root",
  },
  resources: {
    slipway: ["SLW-K8S-016", "SLW-K8S-017", "SLW-K8S-018", "SLW-K8S-019"],
    kubeScore: (check) => check === "container-resources",
    polaris: (check) => /^(cpu|memory)(Requests|Limits)Missing$/.test(check),
    kubeLinter: (check) => check === "unset-cpu-requirements" || check === "unset-memory-requirements",
  },
};

const node = process.execPath;
const bin = join(root, "dist/bundle/bin.js");
const dir = mkdtempSync(join(tmpdir(), "slipway-peers-"));
const corpus = await writeCorpus(dir, { objects, seed: 7, brokenShare: 0.5 });
const rules = JSON.parse(run(node, [bin, "rules", "--json"])).result.rules;

/** ref ("ns/Kind/name") → Set of check IDs, per tool. */
const findings = {};
const evaluated = {};
const add = (toolName, ref, id, comments = []) => {
  findings[toolName] ??= new Map();
  if (!findings[toolName].has(ref)) findings[toolName].set(ref, new Map());
  findings[toolName].get(ref).set(id, comments);
};

const slipwayOut = JSON.parse(run(node, [bin, "check", dir, "--min-severity", "low", "--json"]));
for (const f of slipwayOut.result.findings) if (f.object) add("slipway", f.object, f.ruleId);

const peers = [];
const kubeScore = tool("kube-score", "KUBE_SCORE_VERSION");
if (kubeScore) {
  peers.push("kubeScore");
  evaluated.kubeScore = new Set();
  for (const o of JSON.parse(run(kubeScore, ["score", "--output-format", "json", ...corpus.files]))) {
    const ref = `${o.object_meta.namespace}/${o.type_meta.kind}/${o.object_meta.name}`;
    evaluated.kubeScore.add(ref);
    for (const c of o.checks ?? []) {
      if (c.skipped || c.grade >= 10) continue;
      add(
        "kubeScore",
        ref,
        c.check.id,
        (c.comments ?? []).map((x) => x.summary),
      );
    }
  }
}
const polaris = tool("polaris", "POLARIS_VERSION");
if (polaris) {
  peers.push("polaris");
  evaluated.polaris = new Set();
  const out = JSON.parse(run(polaris, ["audit", "--audit-path", dir, "--format", "json"]));
  for (const r of out.Results ?? []) {
    const ref = `${r.Namespace}/${r.Kind}/${r.Name}`;
    evaluated.polaris.add(ref);
    const results = [r.Results, r.PodResult?.Results, ...(r.PodResult?.ContainerResults ?? []).map((c) => c.Results)];
    for (const set of results) for (const [id, res] of Object.entries(set ?? {})) if (res && res.Success === false) add("polaris", ref, id);
  }
}
const kubeLinter = tool("kube-linter", "KUBE_LINTER_VERSION");
if (kubeLinter) {
  peers.push("kubeLinter");
  evaluated.kubeLinter = new Set(slipwayOut.result.inputs.length > 0 ? [] : []);
  const out = JSON.parse(run(kubeLinter, ["lint", "--format", "json", dir]) || "{}");
  for (const r of out.Reports ?? []) {
    const k = r.Object?.K8sObject ?? {};
    add("kubeLinter", `${k.Namespace}/${k.GroupVersionKind?.Kind}/${k.Name}`, r.Check);
  }
}

/** kubeconform: objects the Kubernetes schema rejects (slipway does not validate schemas; listed for information). */
let schemaInvalid = [];
const kubeconform = tool("kubeconform", "KUBECONFORM_VERSION");
const schemaDir = join(cache, `kubeconform-schemas-${versions.KUBERNETES_VERSION}`);
if (kubeconform) {
  const out = run(kubeconform, [
    "-schema-location",
    schemaDir,
    "-kubernetes-version",
    versions.KUBERNETES_VERSION.replace(/^v/, ""),
    "-strict",
    "-ignore-missing-schemas",
    "-output",
    "json",
    ...corpus.files,
  ]);
  schemaInvalid = (JSON.parse(out || "{}").resources ?? [])
    .filter((r) => r.status === "statusInvalid" || r.status === "statusError")
    .map((r) => `${r.kind}/${r.name}: ${r.msg}`);
}
rmSync(dir, { recursive: true, force: true });

// Disagreements through the mapping table.
const byPeerCheck = { kubeScore: new Map(), polaris: new Map(), kubeLinter: new Map() };
for (const rule of rules)
  for (const peer of peers)
    for (const { id } of rule.peers[peer] ?? []) byPeerCheck[peer].set(id, [...(byPeerCheck[peer].get(id) ?? []), rule.id]);
const report = { objects: corpus.objects, files: corpus.files.length, peers, schemaInvalid, disagreements: {}, signals: {} };
const slipwayOf = (ref) => findings.slipway?.get(ref) ?? new Map();
for (const peer of peers) {
  const peerOnly = new Map();
  const slipwayOnly = new Map();
  let agreements = 0;
  for (const [ref, checks] of findings[peer] ?? []) {
    for (const check of checks.keys()) {
      const mapped = byPeerCheck[peer].get(check);
      if (!mapped) continue;
      if (mapped.some((id) => slipwayOf(ref).has(id))) agreements++;
      else peerOnly.set(check, [...(peerOnly.get(check) ?? []), ref]);
    }
  }
  for (const [ref, ids] of findings.slipway ?? []) {
    if (evaluated[peer] && !evaluated[peer].has(ref)) continue;
    for (const id of ids.keys()) {
      const rule = rules.find((r) => r.id === id);
      const peerChecks = rule?.peers[peer] ?? [];
      if (peerChecks.length === 0) continue;
      const theirs = findings[peer]?.get(ref) ?? new Map();
      if (!peerChecks.some((c) => theirs.has(c.id))) slipwayOnly.set(id, [...(slipwayOnly.get(id) ?? []), ref]);
    }
  }
  report.disagreements[peer] = {
    agreements,
    peerOnly: Object.fromEntries([...peerOnly].map(([k, v]) => [k, { count: v.length, examples: v.slice(0, 3) }])),
    slipwayOnly: Object.fromEntries([...slipwayOnly].map(([k, v]) => [k, { count: v.length, examples: v.slice(0, 3) }])),
  };
}
for (const [name, signal] of Object.entries(signals)) {
  const agreed = [];
  const refs = new Set(peers.flatMap((p) => [...(findings[p]?.keys() ?? [])]));
  for (const ref of refs) {
    const votes = peers.map((p) => [...(findings[p]?.get(ref) ?? new Map())].some(([check, comments]) => signal[p](check, comments)));
    if (votes.length > 0 && votes.every(Boolean)) agreed.push(ref);
  }
  const missed = agreed.filter((ref) => !signal.slipway.some((id) => slipwayOf(ref).has(id)));
  report.signals[name] = { agreedByPeers: agreed.length, flaggedBySlipway: agreed.length - missed.length, missed };
}
report.brokenOnPurpose = Object.fromEntries(
  ["root", "noresources", "latest", "privileged", "noprobes"].map((m) => [m, [...corpus.broken.values()].filter((x) => x === m).length]),
);

if (asJson) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  console.log(
    `peer cross-check: ${report.objects} objects in ${report.files} files; peers run: ${peers.join(", ") || "none"}; not built: ${["kubeScore", "polaris", "kubeLinter"].filter((p) => !peers.includes(p)).join(", ") || "none"}`,
  );
  for (const [name, s] of Object.entries(report.signals))
    console.log(
      `  ${name}: ${s.agreedByPeers} objects all peers flag; slipway flags ${s.flaggedBySlipway}${s.missed.length ? ` — MISSED: ${s.missed.slice(0, 5).join(", ")}` : ""}`,
    );
  for (const [peer, d] of Object.entries(report.disagreements)) {
    console.log(`\n${peer}: ${d.agreements} mapped findings agree`);
    for (const [check, v] of Object.entries(d.peerOnly))
      console.log(`  only ${peer} flags ${check}: ${v.count} (e.g. ${v.examples.join(", ")})`);
    for (const [id, v] of Object.entries(d.slipwayOnly))
      console.log(`  only slipway flags ${id}: ${v.count} (e.g. ${v.examples.join(", ")})`);
  }
  console.log(
    `\nkubeconform (schema): ${schemaInvalid.length} invalid objects${schemaInvalid.length ? `: ${schemaInvalid.slice(0, 5).join("; ")}` : ""}`,
  );
}
