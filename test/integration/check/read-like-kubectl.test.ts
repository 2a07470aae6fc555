// The built binary reads manifests as kubectl does: `privileged: yes`, `hostNetwork: on`,
// `hostPID: on` and a `<<` merge that brings in `privileged: true` are what Kubernetes applies, so
// `--min-severity critical` must fail on them (slipway used to read them as strings and exit 0).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/examples.js";

const bin = join(repoRoot, "dist/bundle/bin.js");
const fixtures = join(repoRoot, "test/fixtures/check/kubectl-reads");

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "check", ...args, "--json"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", SLIPWAY_TODAY: "2026-06-01" },
    encoding: "utf8",
  });
  const findings: { ruleId: string; line: number; path: string }[] = JSON.parse(r.stdout).result.findings;
  return { code: r.status, findings };
}

describe("slipway check reads YAML 1.1 scalars and merge keys as Kubernetes does (built CLI)", () => {
  it("yes/on pod: privileged is critical, host network and PID are high", () => {
    const critical = check(join(fixtures, "yaml11-pod.yaml"), "--min-severity", "critical");
    expect(critical.code).toBe(1);
    expect(critical.findings.map((f) => f.ruleId)).toEqual(["SLW-K8S-002"]);
    expect(critical.findings[0]?.line).toBe(14);
    const high = check(join(fixtures, "yaml11-pod.yaml"), "--min-severity", "high");
    expect(high.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(["SLW-K8S-002", "SLW-K8S-008", "SLW-K8S-009"]));
  });

  it("a << merge that sets privileged", () => {
    const r = check(join(fixtures, "merge-pod.yaml"), "--min-severity", "critical");
    expect(r.code).toBe(1);
    expect(r.findings.map((f) => `${f.ruleId} ${f.path}`)).toEqual([
      "SLW-K8S-002 spec.containers[0].securityContext.privileged",
      "SLW-K8S-002 spec.containers[1].securityContext.privileged",
    ]);
    // Both point at the line where privileged is written, inside the anchored mapping.
    expect(r.findings.map((f) => f.line)).toEqual([13, 13]);
  });
});
