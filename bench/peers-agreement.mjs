// Agreement with a peer's own test suite (issue 12 item 5). An adapter, bench/peers/<name>.mjs, reads
// the peer's test fixtures and expected results from a checkout of the peer's repository; this harness
// runs each case through `slipway check` (built CLI) and compares, for every peer check, the peer's
// expected verdict with slipway's: fail = a finding from a rule whose `peers` entry names that check
// (on the case's `object` when the case names one; see `deciding` for which relations count). A
// report, not a test: it always exits 0.
//   npm run bench:agreement -- --peer kube-score --repo /path/to/kube-score [--json] [--check ID]
//
// Adapter contract (bench/peers/<name>.mjs):
//   export const peer = "kubeScore";            // key in a rule's `peers` (see `slipway rules --json`)
//   export async function cases(repoDir) {      // repoDir: a checkout or a git dir of the peer
//     return [{ id: "file:line", check: "peer-check-id", kind: "kubernetes" | "dockerfile" | "terraform"
//       | "github-actions", files: { "relative/path.yaml": "content" }, expected: "fail" | "pass",
//       object?: "Kind/name" | ["Kind/a", …] }]; // object: only findings on this object (any of these) count
//   }
// Peer files are written to temporary folders only (removed at the end), never into this repository.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const root = join(import.meta.dirname, "..");
const bin = join(root, "dist/bundle/bin.js");
const node = process.execPath;

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const peerName = option("--peer");
const repoArg = option("--repo");
const onlyCheck = option("--check");
const asJson = args.includes("--json");
if (!peerName || !repoArg) {
  console.error("usage: node bench/peers-agreement.mjs --peer <name> --repo <peer checkout or git dir> [--json] [--check <peerCheckId>]");
  process.exit(0);
}
if (!/^[a-z0-9-]+$/i.test(peerName)) {
  console.error(`--peer ${peerName}: expected an adapter name such as kube-score (bench/peers/<name>.mjs)`);
  process.exit(0);
}

let adapter;
let allCases;
try {
  adapter = await import(new URL(`./peers/${peerName}.mjs`, import.meta.url).href);
  allCases = await adapter.cases(resolve(repoArg));
} catch (e) {
  console.error(`--peer ${peerName} --repo ${repoArg}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(0);
}
const cases = onlyCheck ? allCases.filter((c) => c.check === onlyCheck) : allCases;
const duplicateIds = cases.length - new Set(cases.map((c) => c.id)).size;
if (duplicateIds > 0) console.error(`warning: ${duplicateIds} case ids are not unique`);

// The mapping table: peer check → the slipway rules that name it, with their relation.
const rulesOut = spawnSync(node, [bin, "rules", "--json"], { encoding: "utf8", maxBuffer: 1 << 28 });
const rules = JSON.parse(rulesOut.stdout).result.rules;
const norm = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
const peerKey = (() => {
  const keys = new Set(rules.flatMap((r) => Object.keys(r.peers)));
  return [...keys].find((k) => norm(k) === norm(adapter.peer)) ?? adapter.peer;
})();
/** check id → [{ rule, relation, note }] */
const mapping = new Map();
for (const rule of rules)
  for (const p of rule.peers[peerKey] ?? [])
    mapping.set(p.id, [...(mapping.get(p.id) ?? []), { rule: rule.id, relation: p.relation, note: p.note }]);
/**
 * The rules that decide a check: when one names it `same`, that rule with the `looser` ones (a looser
 * rule covers a part of the check another rule leaves out, e.g. UID 0 next to low UIDs); `stricter`
 * ones are left out then, since they flag more than the check. With no `same` rule: all that name it.
 */
const deciding = (check) => {
  const m = mapping.get(check) ?? [];
  return m.some((x) => x.relation === "same") ? m.filter((x) => x.relation !== "stricter") : m;
};
/** A check counts under `same` when a rule names it `same`. */
const relationOf = (check) => {
  const rels = [...new Set((mapping.get(check) ?? []).map((x) => x.relation))];
  return rels.includes("same") ? "same" : rels.join("+");
};

/** Does a finding's object (`Kind/name`, `ns/Kind/name`, a Terraform address …) name the case's object? */
const onObject = (found, wanted) => {
  if (!wanted) return true;
  if (Array.isArray(wanted)) return wanted.some((w) => onObject(found, w));
  if (!found) return false;
  if (found === wanted) return true;
  const a = found.split("/");
  const b = wanted.split("/");
  if (b.length > a.length) return false;
  return a.slice(a.length - b.length).join("/") === b.join("/");
};

const runCheck = (dir, ruleIds) =>
  new Promise((done) => {
    const child = spawn(node, [bin, "check", dir, "--json", "--min-severity", "low", "--rule", ruleIds.join(",")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (code) => {
      try {
        done({ code, json: JSON.parse(out) });
      } catch {
        done({ code, json: undefined, error: (err || out).slice(0, 300) });
      }
    });
  });

const tmp = mkdtempSync(join(tmpdir(), "slipway-agreement-"));
const results = [];
const unmapped = new Map();
try {
  const todo = [];
  cases.forEach((c, i) => {
    if (!mapping.has(c.check)) {
      unmapped.set(c.check, (unmapped.get(c.check) ?? 0) + 1);
      return;
    }
    todo.push({ c, dir: join(tmp, `case-${String(i).padStart(4, "0")}`) });
  });
  // One process per case: cross-object rules (Service selectors, NetworkPolicy coverage) see only that case.
  const workers = Math.max(1, Math.min(4, availableParallelism()));
  let next = 0;
  const work = async () => {
    while (next < todo.length) {
      const { c, dir } = todo[next++];
      const decide = deciding(c.check).map((x) => x.rule);
      let r;
      try {
        for (const [rel, content] of Object.entries(c.files)) {
          const path = join(dir, rel);
          if (!path.startsWith(`${dir}/`)) throw new Error(`file path ${rel} leaves the case's folder`);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, content);
        }
        r = await runCheck(dir, decide);
      } catch (e) {
        r = { json: undefined, error: e instanceof Error ? e.message : String(e) };
      }
      let got;
      let fired = [];
      let note;
      if (!r.json?.ok && !r.json?.result) {
        got = "error";
        note = r.json?.error?.message ?? r.error;
      } else {
        const res = r.json.result;
        const hits = res.findings.filter((f) => decide.includes(f.ruleId) && onObject(f.object, c.object));
        fired = [...new Set(hits.map((f) => f.ruleId))];
        got = hits.length > 0 ? "fail" : "pass";
        if (res.summary.parseErrors > 0) note = `${res.summary.parseErrors} parse error(s)`;
        else if (res.inputs.length === 0) note = "no input read";
        if (got === "pass" && c.expected === "fail") {
          const elsewhere = res.findings.filter((f) => decide.includes(f.ruleId) && !onObject(f.object, c.object));
          if (elsewhere.length > 0) note = `fired on ${[...new Set(elsewhere.map((f) => f.object))].join(", ")}`;
        }
      }
      results.push({ id: c.id, check: c.check, kind: c.kind, object: c.object, expected: c.expected, got, rules: decide, fired, note });
      rmSync(dir, { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: workers }, work));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
results.sort((a, b) => a.check.localeCompare(b.check) || a.id.localeCompare(b.id));

const perCheck = new Map();
for (const r of results) {
  const s = perCheck.get(r.check) ?? {
    check: r.check,
    relation: relationOf(r.check),
    rules: (mapping.get(r.check) ?? []).map((m) => `${m.rule}${m.relation === "same" ? "" : ` (${m.relation})`}`),
    cases: 0,
    agree: 0,
  };
  s.cases++;
  if (r.expected === r.got) s.agree++;
  perCheck.set(r.check, s);
}
const total = (filter) => {
  const rs = results.filter(filter);
  const agree = rs.filter((r) => r.expected === r.got).length;
  return { cases: rs.length, agree, percent: rs.length ? Math.round((1000 * agree) / rs.length) / 10 : null };
};
const report = {
  peer: peerKey,
  adapter: peerName,
  cases: cases.length,
  totals: { same: total((r) => relationOf(r.check) === "same"), all: total(() => true) },
  checks: [...perCheck.values()].map((s) => ({ ...s, percent: Math.round((1000 * s.agree) / s.cases) / 10 })),
  disagreements: results.filter((r) => r.expected !== r.got),
  unmapped: { cases: [...unmapped.values()].reduce((a, b) => a + b, 0), checks: Object.fromEntries([...unmapped].sort()) },
};

if (asJson) {
  process.stdout.write(`${JSON.stringify({ ...report, results })}\n`);
} else {
  const pct = (t) => (t.percent === null ? "-" : `${t.percent} %`);
  console.log(`${peerName} (${peerKey}): ${report.cases} cases from ${repoArg}`);
  console.log("");
  console.log("check | relation | slipway rules | cases | agree | %");
  for (const s of report.checks) console.log(`${s.check} | ${s.relation} | ${s.rules.join(", ")} | ${s.cases} | ${s.agree} | ${s.percent}`);
  console.log("");
  console.log(`same mappings: ${report.totals.same.agree}/${report.totals.same.cases} (${pct(report.totals.same)})`);
  console.log(`all mappings:  ${report.totals.all.agree}/${report.totals.all.cases} (${pct(report.totals.all)})`);
  console.log(
    `unmapped: ${report.unmapped.cases} cases of ${Object.keys(report.unmapped.checks).length} checks${
      report.unmapped.cases
        ? `: ${Object.entries(report.unmapped.checks)
            .map(([k, v]) => `${k} (${v})`)
            .join(", ")}`
        : ""
    }`,
  );
  if (report.disagreements.length > 0) {
    console.log("");
    console.log("disagreements (case | check | expected | got | rules | note):");
    for (const d of report.disagreements)
      console.log(
        `  ${d.id}${d.object ? ` [${[d.object].flat().join(" ")}]` : ""} | ${d.check} | ${d.expected} | ${d.got} | ${(d.fired.length ? d.fired : d.rules).join(",")}${d.note ? ` | ${d.note}` : ""}`,
      );
  }
}
process.exit(0);
