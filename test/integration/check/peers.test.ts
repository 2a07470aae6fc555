// The peer cross-check as a test: on a corpus generated from the examples (with Deployments broken on
// purpose), slipway must flag every object that all the peers built here (kube-score; polaris and
// kube-linter when test/cluster/build.sh can build them) agree runs as root or lacks resources.
// Everything else bench/peers-check.mjs reports is a report, not a pass/fail condition.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/examples.js";
import { toolPath } from "../../helpers/tools.js";

interface SignalResult {
  agreedByPeers: number;
  flaggedBySlipway: number;
  missed: string[];
}

describe.skipIf(!toolPath("kube-score") && !toolPath("polaris") && !toolPath("kube-linter"))("slipway check against the peers", () => {
  const report = JSON.parse(
    execFileSync(process.execPath, [join(repoRoot, "bench", "peers-check.mjs"), "2000", "--json"], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    }),
  ) as { peers: string[]; signals: Record<"root" | "resources", SignalResult>; brokenOnPurpose: Record<string, number> };

  it("ran at least one peer on a corpus with broken objects", () => {
    expect(report.peers.length).toBeGreaterThan(0);
    expect(report.brokenOnPurpose.root).toBeGreaterThan(0);
    expect(report.brokenOnPurpose.noresources).toBeGreaterThan(0);
  });

  it.each(["root", "resources"] as const)("flags every object the peers agree is %s-unsafe", (signal) => {
    const result = report.signals[signal];
    expect(result.agreedByPeers).toBeGreaterThan(0);
    expect(result.missed).toEqual([]);
  });
});
