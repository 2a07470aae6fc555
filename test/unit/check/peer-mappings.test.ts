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

  it("maps a peer check that spans several rules to each part, the rule that misses a part as looser", () => {
    // kube-score's low-ID check also fails UID/GID 0 (SLW-K8S-015); its requests-equal-limits checks
    // also fail a missing limit (SLW-K8S-018/019); kube-linter's run-as-non-root also fails group 0.
    expect(mapped("kubeScore", "container-security-context-user-group-id")).toEqual(["SLW-K8S-014 same", "SLW-K8S-015 looser"]);
    expect(mapped("kubeScore", "container-memory-requests-equal-limits")).toEqual(["SLW-K8S-018 looser", "SLW-K8S-020 same"]);
    expect(mapped("kubeScore", "container-cpu-requests-equal-limits")).toEqual(["SLW-K8S-019 looser", "SLW-K8S-080 same"]);
    expect(mapped("kubeLinter", "run-as-non-root")).toEqual(["SLW-K8S-001 same", "SLW-K8S-015 looser"]);
  });

  it("labels the mappings whose rule asks a narrower or wider question than the peer", () => {
    expect(mapped("kubeLinter", "non-isolated-pod")).toEqual(["SLW-K8S-042 stricter"]);
    expect(mapped("kubeLinter", "no-readiness-probe")).toEqual(["SLW-K8S-022 looser"]);
    expect(mapped("kubeScore", "deployment-has-poddisruptionbudget")).toEqual(["SLW-K8S-031 looser"]);
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
