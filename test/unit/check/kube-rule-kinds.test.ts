/*
 * The kinds table the rule loop uses to skip rules (src/check/kube-rule-kinds.ts) never hides a
 * finding: each listed rule, run on every rule fixture with each object's kind changed to every
 * kind outside its list, reports nothing; and on its own failing fixtures, with the kinds as
 * written, it does report (so this test can fail).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "../../../src/check/catalogue.js";
import { kubeContext, kubeSubjectFromObject } from "../../../src/check/inputs/kubernetes.js";
import { kubeRuleKinds } from "../../../src/check/kube-rule-kinds.js";
import { parseInputs } from "../../../src/check/parse-inputs.js";
import type { KubeRule, KubeSubject } from "../../../src/check/types.js";

const root = join(import.meta.dirname, "../../fixtures/check/k8s");
const fixtures = readdirSync(root).flatMap((dir) =>
  readdirSync(join(root, dir)).map((file) => ({ dir, file, subjects: subjectsOf(join(root, dir, file)) })),
);

function subjectsOf(path: string): KubeSubject[] {
  const batch = parseInputs([
    { origin: { file: path, label: path }, bytes: readFileSync(path), size: 0, explicit: true, kind: "kubernetes" },
  ]);
  return batch.kubeGroups.flat();
}

const problems = (rule: KubeRule, subjects: KubeSubject[], subject: KubeSubject) => [...rule.check(subject, kubeContext(subjects))];
const allKinds = [
  ...new Set([...fixtures.flatMap((f) => f.subjects.map((s) => s.kind)), ...[...kubeRuleKinds.values()].flatMap((k) => [...k])]),
];

describe("kube-rule-kinds", () => {
  const listed = catalogue.filter((r): r is KubeRule => r.area === "kubernetes" && kubeRuleKinds.has(r.id));

  it("lists only Kubernetes rules of the catalogue", () => {
    expect(listed.map((r) => r.id).sort()).toEqual([...kubeRuleKinds.keys()].sort());
  });

  it.each(listed.map((r) => [r.id, r] as const))("%s reports nothing on objects of other kinds", (_id, rule) => {
    const own = kubeRuleKinds.get(rule.id) as ReadonlySet<string>;
    const others = allKinds.filter((k) => !own.has(k));
    for (const { subjects } of fixtures) {
      for (const [i, s] of subjects.entries()) {
        for (const kind of others) {
          const changed = kubeSubjectFromObject({ ...s.object, kind }, s.origin);
          const group = subjects.map((x, j) => (j === i ? changed : x));
          expect(problems(rule, group, changed), `${s.ref} as ${kind}`).toEqual([]);
        }
      }
    }
    const fails = fixtures.filter((f) => f.dir === rule.id.toLowerCase() && f.file.startsWith("fail"));
    expect(fails.length).toBeGreaterThan(0);
    for (const { file, subjects } of fails) {
      expect(
        subjects.some((s) => problems(rule, subjects, s).length > 0),
        file,
      ).toBe(true);
    }
  });
});
