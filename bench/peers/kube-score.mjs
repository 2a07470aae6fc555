// kube-score's own test suite as agreement cases (bench/peers-agreement.mjs). Reads, from a checkout or
// git dir of github.com/zegl/kube-score, the Go tests in score/*_test.go that grade one check on
// fixtures in score/testdata:
//   testExpectedScore(t, "<fixture>", "<Check Name>", scorecard.Grade…)
//   testExpectedScoreWithConfig(t, []ks.NamedReader{testFile("<fixture>"), …}, nil, <run config>, "<Check Name>", Grade…)
//   assert.True(t, wasSkipped(…, "<Check Name>"))          (skipped: kube-score reports nothing → pass)
// including `for _, v := range []string{…}` loops over fixture names. Critical and Warning grades are a
// failing check; AlmostOK, AllOK and skipped (grade 0) pass. Check IDs are derived from the names the
// way kube-score does (lower case, spaces to dashes). A case with a run configuration other than
// kube-score's defaults (Kubernetes 1.18 as testExpectedScore sets it) or the switches that only enable
// optional checks is left out: it tests a tuned threshold slipway has no equivalent for. Each case is
// restricted to the objects the check targets (its registration: RegisterDeploymentCheck →
// Deployments, RegisterPodCheck → pod-bearing kinds, …). Skips of optional checks that were not
// switched on say nothing about the fixture and are left out too.
import { parseAllDocuments } from "yaml";
import { callArgs, goString, lineOf, openSource } from "./source.mjs";

export const peer = "kubeScore";

const podKinds = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "ReplicationController"];
/** Run-config fields and the values that keep a case comparable (undefined: any value). */
const neutralConfig = {
  KubernetesVersion: "config.Semver{Major: 1, Minor: 18}",
  EnabledOptionalTests: undefined,
  UseOptionalChecksAnnotation: undefined,
  UseIgnoreChecksAnnotation: "false",
  MinReplicasDeployment: "2",
  MinReplicasHPA: "2",
  IgnoreContainerCpuLimitRequirement: "false",
  IgnoreContainerMemoryLimitRequirement: "false",
};

const idOf = (name) => name.toLowerCase().replaceAll(" ", "-");

const verdictOf = (grade) => {
  const g = grade.trim();
  if (/^scorecard\.Grade(Critical|Warning)$/.test(g)) return "fail";
  if (/^scorecard\.Grade(AlmostOK|AllOK)$/.test(g) || g === "0") return "pass";
  return undefined;
};

/** Is a run-config argument (`nil` or `&config.RunConfiguration{…}`) comparable? */
const neutral = (arg) => {
  if (arg === "nil") return true;
  const body = arg.match(/^&config\.RunConfiguration\{([\s\S]*)\}$/);
  if (!body) return false;
  for (const m of body[1].matchAll(/(\w+)\s*:\s*((?:config\.Semver\{[^}]*\})|[^,\n]+)/g)) {
    if (!(m[1] in neutralConfig)) return false;
    const want = neutralConfig[m[1]];
    if (want !== undefined && m[2].trim() !== want) return false;
  }
  return true;
};

export async function cases(repoDir) {
  const src = openSource(repoDir);
  const files = src.list();

  // Check name → the kinds it runs on, from the registrations.
  const targets = new Map();
  const optional = new Set();
  for (const path of files.filter((p) => /^score\/.*\.go$/.test(p) && !p.endsWith("_test.go"))) {
    const text = src.read(path) ?? "";
    for (const m of text.matchAll(/\.Register(Optional)?(\w+)Check\(\s*"([^"]+)"/g)) {
      targets.set(m[3], m[2] === "Pod" ? podKinds : m[2] === "Meta" ? undefined : [m[2]]);
      if (m[1]) optional.add(m[3]);
    }
  }

  const fixture = (name) => src.read(`score/testdata/${name}`);
  const objectsOf = (content, kinds) => {
    if (!kinds) return undefined;
    const out = [];
    for (const doc of parseAllDocuments(content)) {
      const o = doc.toJS();
      const items = o?.kind === "List" && Array.isArray(o.items) ? o.items : [o];
      for (const it of items) if (it && kinds.includes(it.kind) && it.metadata?.name) out.push(`${it.kind}/${it.metadata.name}`);
    }
    return out.length > 0 ? out : undefined;
  };

  const out = [];
  const add = (id, name, fixtures, expected) => {
    const check = idOf(name);
    const contents = {};
    for (const f of fixtures) {
      const c = fixture(f);
      if (c === undefined) return;
      contents[f] = c;
    }
    const kinds = targets.get(name);
    const objects = Object.values(contents).flatMap((c) => objectsOf(c, kinds) ?? []);
    out.push({
      id,
      check,
      kind: "kubernetes",
      files: contents,
      expected,
      ...(kinds && objects.length > 0 ? { object: objects } : {}),
    });
  };

  for (const path of files.filter((p) => /^score\/[^/]+_test\.go$/.test(p))) {
    const text = src.read(path) ?? "";
    // One Go function at a time, so that loop variables stay in their function.
    const starts = [...text.matchAll(/^func /gm)].map((m) => m.index);
    for (let f = 0; f < starts.length; f++) {
      const from = starts[f];
      const body = text.slice(from, starts[f + 1] ?? text.length);
      if (/^func (testExpectedScore|wasSkipped|getSummaries|testScore|testFile)/.test(body)) continue;
      const loops = new Map();
      for (const m of body.matchAll(/for _, (\w+) := range \[\]string\{([^}]*)\}/g))
        loops.set(
          m[1],
          [...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]),
        );
      /** Fixture names of a Go string expression: literals and loop variables joined by `+`. */
      const expand = (expr) => {
        let names = [""];
        for (const part of expr.split("+").map((s) => s.trim())) {
          const lit = goString(part);
          if (lit !== undefined) names = names.map((n) => n + lit);
          else if (loops.has(part)) names = names.flatMap((n) => loops.get(part).map((v) => n + v));
          else return [];
        }
        return names;
      };
      for (const m of body.matchAll(/\b(testExpectedScore|testExpectedScoreWithConfig|wasSkipped)\(/g)) {
        const at = from + m.index;
        const [args] = callArgs(text, at + m[1].length);
        const line = `${path}:${lineOf(text, at)}`;
        if (m[1] === "testExpectedScore") {
          const [, file, name, grade] = args;
          const checkName = goString(name ?? "");
          const expected = verdictOf(grade ?? "");
          if (!checkName || !expected) continue;
          const names = expand(file);
          for (const n of names) add(names.length > 1 ? `${line}[${n}]` : line, checkName, [n], expected);
        } else if (m[1] === "testExpectedScoreWithConfig") {
          const [, filesArg, checksConfig, runConfig, name, grade] = args;
          const checkName = goString(name ?? "");
          const expected = verdictOf(grade ?? "");
          if (!checkName || !expected || checksConfig !== "nil" || !neutral(runConfig ?? "")) continue;
          const fixtures = [...(filesArg ?? "").matchAll(/testFile\(("[^"]*")\)/g)].map((x) => goString(x[1]));
          if (fixtures.length > 0) add(line, checkName, fixtures, expected);
        } else {
          // Only the assertion that the check was skipped: kube-score reports nothing there. Skips of
          // optional checks that were not enabled say nothing about the fixture and are left out.
          const [, filesArg, checksConfig, runConfig, name] = args;
          const before = text.slice(Math.max(from, at - 40), at);
          const assigned = before.match(/(\w+) := $/);
          const assertedTrue = /assert\.True\(t,\s*$/.test(before) || (assigned && body.includes(`assert.True(t, ${assigned[1]})`));
          const checkName = goString(name ?? "");
          if (!assertedTrue || !checkName || optional.has(checkName) || checksConfig !== "nil" || !neutral(runConfig ?? "")) continue;
          const fixtures = [...(filesArg ?? "").matchAll(/testFile\(("[^"]*")\)/g)].map((x) => goString(x[1]));
          if (fixtures.length > 0) add(`${line} (skipped)`, checkName, fixtures, "pass");
        }
      }
    }
  }
  return out;
}
