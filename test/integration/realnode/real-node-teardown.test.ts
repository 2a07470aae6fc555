import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { hostState, realNodeUnavailable, startCluster, stopCluster } from "../../cluster/cluster.js";
import { kubectlOk } from "../../cluster/kube.js";

// start.sh --real-node changes the machine (links, sysctls, iptables chains, kube-proxy's nftables
// tables, cgroups, mounts, folders); stop.sh must leave it as it found it. When this run's cluster
// already holds the real node (one per machine), the global setup makes the same comparison at its
// teardown instead.
const realNode = inject("realNode");
const cannot =
  realNode === null ? await realNodeUnavailable() : "this run's cluster holds the real node; the global teardown compares the state";
if (cannot !== undefined) process.stderr.write(`[real-node teardown] skipped: ${cannot}\n`);

describe.skipIf(cannot !== undefined)("a real node's teardown", () => {
  it("stop.sh leaves sysctls, iptables chains, kube-proxy's nftables tables, links, cgroups, mounts and folders as start.sh found them", async () => {
    const before = await hostState();
    const cluster = await startCluster({ name: `rn-teardown-${randomBytes(3).toString("hex")}`, realNode: true });
    try {
      expect(cluster.realNode?.node).toBe("slipway-real-0");
      const ready = await kubectlOk(cluster.kubeconfig, [
        "get",
        "node",
        "slipway-real-0",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      expect(ready).toBe("True");
      // The comparison can fail: a running node changes what hostState() sees.
      const during = await hostState();
      expect(during).toContain("link slipwayrn-node");
      // kube-proxy's rules (nftables mode) are part of what must go.
      expect(during).toContain("nft ip kube-proxy");
      expect(during.filter((l) => !before.includes(l)).length).toBeGreaterThan(3);
    } finally {
      await stopCluster(cluster);
    }
    expect(await hostState()).toEqual(before);
  }, 240_000);
});
