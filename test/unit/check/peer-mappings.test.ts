/*
 * The peer mapping table: a peer check is listed only where it tests the property the rule tests,
 * and how the two differ is said when they are not the same check.
 */
import { describe, expect, it } from "vitest";
import { catalogue } from "../../../src/check/catalogue.js";
import { describePeerCheck, peerChecks } from "../../../src/check/peers.js";

const mapped = (peer: string, id: string) =>
  catalogue.flatMap((r) =>
    peerChecks(r.peers)
      .filter((p) => p.peer === peer && p.check.id === id)
      .map((p) => `${r.id} ${p.check.relation}`),
  );

describe("peer mappings", () => {
  it.each([
    // pipefail, not piping downloads into a shell
    ["hadolint", "DL4006"],
    // validates constraints that are present; does not require them
    ["kubeScore", "pod-topology-spread-constraints"],
    // an allow-list of priority class names, not "a priority class is set"
    ["kubeLinter", "priority-class-name"],
    // a line with both "curl" and "secret": not printing secrets, not piping scripts
    ["checkov", "CKV_GHA_3"],
  ])("%s %s is not mapped to a rule that tests something else", (peer, id) => {
    expect(mapped(peer, id)).toEqual([]);
  });

  it("maps kube-score's ephemeral-storage check to the rule that now requires an ephemeral-storage limit, as looser", () => {
    const rule = catalogue.find((r) => r.id === "SLW-K8S-021");
    expect(rule?.peers.kubeScore).toEqual([
      expect.objectContaining({ id: "container-ephemeral-storage-request-and-limit", relation: "looser" }),
    ]);
  });

  it("names a peer check at most once per rule", () => {
    for (const rule of catalogue) {
      const ids = peerChecks(rule.peers).map((p) => `${p.peer}/${p.check.id}`);
      expect(new Set(ids).size, rule.id).toBe(ids.length);
    }
  });

  it("says how a looser or stricter check differs", () => {
    const k8s030 = catalogue.find((r) => r.id === "SLW-K8S-030");
    const linter = peerChecks(k8s030?.peers ?? {}).find((p) => p.check.id === "minimum-three-replicas");
    expect(linter && describePeerCheck(linter.check)).toMatch(/^minimum-three-replicas \(looser: .*three/);
  });
});
