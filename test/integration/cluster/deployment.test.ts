import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getJson, type KubeList, type KubeObject, kubectlOk } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

function deployment(name: string, replicas: number, extraSpec: Record<string, unknown> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: "web", image: "registry.example/web:1.0", resources: { requests: { cpu: "100m", memory: "64Mi" } } }],
          ...extraSpec,
        },
      },
    },
  };
}

describe("workloads under kwok", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createNamespace(kubeconfig, { prefix: "deploy" });
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it("a plain Deployment applied server-side becomes Available", async () => {
    await kubectlOk(kubeconfig, ["-n", ns.name, "apply", "--server-side", "--field-manager=slipway-test", "-f", "-"], {
      input: JSON.stringify(deployment("plain", 2)),
    });
    await kubectlOk(kubeconfig, ["-n", ns.name, "wait", "--for=condition=Available", "deployment/plain", "--timeout=60s"]);
    const d = await getJson(kubeconfig, ["-n", ns.name, "deployment", "plain", "--show-managed-fields"]);
    expect(d.status?.readyReplicas).toBe(2);
    expect(d.status?.availableReplicas).toBe(2);
    const managers = ((d.metadata.managedFields ?? []) as { manager: string; operation: string }[]).map(
      (f) => `${f.manager}/${f.operation}`,
    );
    expect(managers).toContain("slipway-test/Apply");
  });

  it("spreads replicas over both zones with a topology spread constraint", async () => {
    const spread = {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { app: "spread" } },
        },
      ],
    };
    await kubectlOk(kubeconfig, ["-n", ns.name, "apply", "--server-side", "-f", "-"], {
      input: JSON.stringify(deployment("spread", 4, spread)),
    });
    await kubectlOk(kubeconfig, ["-n", ns.name, "wait", "--for=condition=Available", "deployment/spread", "--timeout=60s"]);
    const pods = await getJson<KubeList<KubeObject & { spec: { nodeName: string } }>>(kubeconfig, [
      "-n",
      ns.name,
      "pods",
      "-l",
      "app=spread",
    ]);
    const nodes = await getJson<KubeList>(kubeconfig, ["nodes", "-l", "type=kwok"]);
    const zoneOf = new Map(nodes.items.map((n) => [n.metadata.name, n.metadata.labels?.["topology.kubernetes.io/zone"]]));
    const perZone = new Map<string, number>();
    for (const p of pods.items) {
      const zone = zoneOf.get(p.spec.nodeName) ?? "?";
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
    }
    expect(Object.fromEntries(perZone)).toEqual({ "zone-a": 2, "zone-b": 2 });
  });
});
