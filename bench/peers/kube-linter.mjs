// kube-linter's own end-to-end suite as agreement cases (bench/peers-agreement.mjs). Reads, from a
// checkout or git dir of github.com/stackrox/kube-linter, e2etests/bats-tests.sh: each @test lints one
// fixture (tests/checks/*.yml) with `--include <check> --do-not-auto-add-defaults` and asserts the
// reports ("<Kind>: <message>") and their count. Tests with a --config (custom templates) are left out.
//
// The suite names the kind and message of each report, not the object. Which object a report is on:
// - with a kube-linter binary (KUBE_LINTER_BIN, the one test/cluster/build.sh caches, or kube-linter
//   on PATH), the adapter runs the test's own command and takes the object names from its reports,
//   but only when those reports are the ones the test asserts (same count, same "<Kind>: <message>"
//   in order); otherwise, or without one,
// - each report is placed on the objects it can describe: objects of its kind in the check's scope
//   (objectKinds of pkg/builtinchecks/yamls/<check>.yaml) whose name is quoted in the message or that
//   hold every quoted word of it ("app" of `container "app" is …`), keeping kube-linter's order
//   (reports follow the objects' order in the file). An object every placement fails is a failing
//   case; one no placement touches is a passing case when the test asserts every report; the rest are
//   left out (counted on stderr), so no verdict is guessed.
// Objects of the same kind and name twice in one fixture are left out (the harness cannot tell them
// apart).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { openSource } from "./source.mjs";

/** The value of a bash double-quoted string ("…" with \\ \" \` \$ escapes). */
const bashString = (s) => s.slice(1, -1).replace(/\\([\\"`$])/g, "$1");

export const peer = "kubeLinter";

const groups = {
  DeploymentLike: [
    "Deployment",
    "DaemonSet",
    "DeploymentConfig",
    "StatefulSet",
    "ReplicaSet",
    "Pod",
    "ReplicationController",
    "Job",
    "CronJob",
  ],
  JobLike: ["Job", "CronJob"],
};

/** Every string and number value in a document, for matching quoted message words. */
const values = (node, out = new Set()) => {
  if (node === null || node === undefined) return out;
  if (Array.isArray(node)) for (const v of node) values(v, out);
  else if (typeof node === "object") for (const v of Object.values(node)) values(v, out);
  else out.add(String(node));
  return out;
};

/** The binary test/cluster/build.sh leaves in the cache (kube-linter-<version>/bin), if any. */
function builtLinter() {
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "slipway-test");
  if (!existsSync(cache)) return undefined;
  const dir = readdirSync(cache)
    .filter((d) => d.startsWith("kube-linter-"))
    .sort()
    .pop();
  const path = dir && join(cache, dir, "bin", "kube-linter");
  return path && existsSync(path) ? path : undefined;
}

export async function cases(repoDir) {
  const src = openSource(repoDir);
  const bats = src.read("e2etests/bats-tests.sh");
  if (bats === undefined) throw new Error(`${repoDir}: no e2etests/bats-tests.sh (is this a kube-linter checkout?)`);

  const scopeOf = (check) => {
    const yaml = src.read(`pkg/builtinchecks/yamls/${check}.yaml`);
    if (yaml === undefined) return undefined;
    const block = yaml.match(/objectKinds:\s*\n((?:\s*-\s*\S+\s*\n?)+)/);
    if (!block) return undefined;
    const kinds = [...block[1].matchAll(/-\s*(\S+)/g)].map((m) => m[1]);
    return kinds.includes("Any") ? "any" : kinds.flatMap((k) => groups[k] ?? [k]);
  };

  const bin = process.env.KUBE_LINTER_BIN || builtLinter() || "kube-linter";
  const hasBin = spawnSync(bin, ["version"], { encoding: "utf8" }).status === 0;
  const tmp = hasBin ? mkdtempSync(join(tmpdir(), "kube-linter-cases-")) : undefined;
  /** The test's command run for real: ["Kind/name", …] per report, when they are the asserted reports. */
  const realRun = (check, fixture, content, reports, count) => {
    if (!tmp) return undefined;
    const file = join(tmp, fixture.split("/").pop());
    writeFileSync(file, content);
    const r = spawnSync(bin, ["lint", "--include", check, "--do-not-auto-add-defaults", "--format", "json", file], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    rmSync(file, { force: true });
    let got;
    try {
      got = JSON.parse(r.stdout).Reports ?? [];
    } catch {
      return undefined;
    }
    if (got.length !== count) return undefined;
    for (let i = 0; i < reports.length; i++) {
      const k = got[i].Object?.K8sObject ?? {};
      if (k.GroupVersionKind?.Kind !== reports[i].kind || got[i].Diagnostic?.Message !== reports[i].message) return undefined;
    }
    return got.map((g) => `${g.Object.K8sObject.GroupVersionKind.Kind}/${g.Object.K8sObject.Name}`);
  };

  const out = [];
  let undecided = 0;
  let verified = 0;
  for (const m of bats.matchAll(/@test "([^"]+)" \{\n([\s\S]*?)\n\}/g)) {
    const [, name, body] = m;
    const fixture = body.match(/^\s*tmp="([^"]+)"/m)?.[1];
    const cmd = body.match(/^\s*cmd="([^"]+)"/m)?.[1] ?? "";
    const check = cmd.match(/--include (\S+)/)?.[1];
    if (!fixture || !check || cmd.includes("--config")) continue;
    const content = src.read(fixture);
    if (content === undefined) continue;
    const scope = scopeOf(check);
    if (!scope) continue;

    const reports = [];
    for (const a of body.matchAll(/\[\[ "\$\{message(\d+)\}" == ("(?:[^"\\]|\\.)*") \]\]/g)) {
      const text = bashString(a[2]);
      const at = text.indexOf(": ");
      reports.push({ kind: text.slice(0, at), message: text.slice(at + 2) });
    }
    const count = Number(body.match(/\[\[ "\$\{count\}" == "(\d+)" \]\]/)?.[1] ?? Number.NaN);
    const complete = count === reports.length;

    const objects = [];
    for (const doc of parseAllDocuments(content)) {
      const o = doc.toJS();
      if (!o?.kind || !o.metadata?.name) continue;
      if (scope !== "any" && !scope.includes(o.kind)) continue;
      // A binding's finding may sit on the role it grants (slipway reports the role's rules there).
      const role = /Binding$/.test(o.kind) && o.roleRef?.kind && o.roleRef?.name ? `${o.roleRef.kind}/${o.roleRef.name}` : undefined;
      objects.push({ ref: `${o.kind}/${o.metadata.name}`, kind: o.kind, name: o.metadata.name, values: values(o), role });
    }
    const real = Number.isNaN(count) ? undefined : realRun(check, fixture, content, reports, count);
    if (real) {
      verified++;
      const refs = objects.map((o) => o.ref);
      for (const o of objects) {
        if (refs.filter((r) => r === o.ref).length > 1) {
          undecided++;
          continue;
        }
        const expected = real.includes(o.ref) ? "fail" : "pass";
        out.push({
          id: `${name}#${o.ref}`,
          check,
          kind: "kubernetes",
          files: { [fixture.split("/").pop()]: content },
          expected,
          object: o.role ? [o.ref, o.role] : o.ref,
        });
      }
      continue;
    }
    // Candidates of each report: objects of its kind naming it or holding its quoted words (words that
    // no object of the fixture holds, such as regular expressions quoted from the check's config, are
    // ignored).
    const held = new Set(objects.flatMap((o) => [...o.values]));
    const fits = reports.map((r) => {
      const words = [...r.message.matchAll(/"([^"]*)"/g)].map((w) => w[1]).filter((w) => held.has(w));
      const ofKind = objects.map((_, i) => i).filter((i) => objects[i].kind === r.kind);
      const named = ofKind.filter((i) => r.message.includes(`"${objects[i].name}"`) || words.every((w) => objects[i].values.has(w)));
      return named;
    });
    // kube-linter reports objects in document order, so the reports' objects never go backwards:
    // enumerate the assignments that keep that order (a few hundred at most on these fixtures).
    const always = new Set(objects.map((_, i) => i));
    const ever = new Set();
    let solutions = 0;
    const walk = (r, from, chosen) => {
      if (solutions > 100000) return;
      if (r === fits.length) {
        solutions++;
        for (const i of [...always]) if (!chosen.includes(i)) always.delete(i);
        for (const i of chosen) ever.add(i);
        return;
      }
      for (const i of fits[r]) if (i >= from) walk(r + 1, i, [...chosen, i]);
    };
    walk(0, 0, []);
    const refs = objects.map((o) => o.ref);
    const twice = new Set(refs.filter((r, i) => refs.indexOf(r) !== i));
    objects.forEach((o, i) => {
      let expected;
      if (solutions === 0 || solutions > 100000) expected = undefined;
      else if (always.has(i) && reports.length > 0) expected = "fail";
      else if (!ever.has(i) && complete) expected = "pass";
      if (!expected || twice.has(o.ref)) {
        undecided++;
        return;
      }
      out.push({
        id: `${name}#${o.ref}`,
        check,
        kind: "kubernetes",
        files: { [fixture.split("/").pop()]: content },
        expected,
        object: o.role ? [o.ref, o.role] : o.ref,
      });
    });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  console.error(
    `kube-linter adapter: ${hasBin ? `${verified} tests placed by running ${bin} (its reports = the asserted ones)` : "no kube-linter binary (KUBE_LINTER_BIN): reports placed from kind and message"}; ${undecided} objects left out (no unambiguous verdict)`,
  );
  return out;
}
