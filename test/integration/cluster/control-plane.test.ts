import { describe, expect, inject, it } from "vitest";
import { getJson, type KubeList, type KubeObject, kubectlOk } from "../../cluster/kube.js";
import { toolVersions } from "../../helpers/tools.js";

const kubeconfig = inject("kubeconfig");
const version = toolVersions().KUBERNETES_VERSION ?? "";

interface NodeStatus {
  conditions?: { type: string; status: string }[];
  allocatable?: Record<string, string>;
}

describe("test control plane", () => {
  it("serves the pinned Kubernetes version from /version", async () => {
    const v = JSON.parse(await kubectlOk(kubeconfig, ["get", "--raw", "/version"])) as Record<string, string>;
    const [, minor] = /^v1\.(\d+)\./.exec(version) ?? [];
    expect(v.gitVersion).toBe(version);
    expect(v.gitVersion).toBe("v1.36.3");
    expect(v.major).toBe("1");
    expect(v.minor).toBe(minor);
    expect(v.gitTreeState).toBe("clean");
  });

  it("uses a kubectl of the same version", async () => {
    const v = JSON.parse(await kubectlOk(kubeconfig, ["version", "--client", "-o", "json"])) as {
      clientVersion: { gitVersion: string };
    };
    expect(v.clientVersion.gitVersion).toBe(version);
  });

  it("is only reachable on loopback", async () => {
    const cfg = await kubectlOk(kubeconfig, ["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"]);
    expect(cfg).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("has Ready fake nodes in two zones", async () => {
    const nodes = await getJson<KubeList<KubeObject & { status: NodeStatus }>>(kubeconfig, ["nodes", "-l", "type=kwok"]);
    expect(nodes.items.length).toBeGreaterThanOrEqual(4);
    const zones = new Map<string, number>();
    for (const node of nodes.items) {
      const labels = node.metadata.labels ?? {};
      expect(labels["kubernetes.io/hostname"]).toBe(node.metadata.name);
      const zone = labels["topology.kubernetes.io/zone"];
      expect(zone).toMatch(/^zone-[ab]$/);
      zones.set(zone ?? "", (zones.get(zone ?? "") ?? 0) + 1);
      const ready = node.status.conditions?.find((c) => c.type === "Ready");
      expect(ready?.status, `node ${node.metadata.name} Ready`).toBe("True");
      expect(Number(node.status.allocatable?.cpu)).toBeGreaterThanOrEqual(8);
    }
    expect([...zones.keys()].sort()).toEqual(["zone-a", "zone-b"]);
    for (const count of zones.values()) expect(count).toBeGreaterThanOrEqual(2);
  });
});
