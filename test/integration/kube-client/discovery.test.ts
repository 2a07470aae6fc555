/** Discovery, server version and pod logs of the HTTPS KubeApi against the real test apiserver (kwok nodes). */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeApi, type HttpKubeApi } from "../../../src/effects/kube/http-kube-api.js";
import type { KubeObject } from "../../../src/effects/kube/kube-api.js";
import { KubeError } from "../../../src/effects/kube/kube-error.js";
import { type KubeRequest, KubeTransport } from "../../../src/effects/kube/kube-transport.js";
import { loadKubeconfig } from "../../../src/effects/kube/kubeconfig.js";
import { ResourceDiscovery } from "../../../src/effects/kube/resource-discovery.js";
import { waitFor } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

let ns: TestNamespace;
let kube: HttpKubeApi;

beforeAll(async () => {
  ns = await createNamespace(kubeconfig, { prefix: "kube-discovery" });
  kube = createKubeApi(await loadKubeconfig(kubeconfig));
});

afterAll(async () => {
  kube?.close();
  await ns?.delete();
});

describe("discovery", () => {
  it("asks for a group version once while a request for it is in flight (objects applied in parallel)", async () => {
    const paths: string[] = [];
    const transport = new (class extends KubeTransport {
      override send(req: KubeRequest) {
        paths.push(req.path);
        return super.send(req);
      }
    })(await loadKubeconfig(kubeconfig));
    try {
      const discovery = new ResourceDiscovery(transport);
      const [ingress, policy, again, missing, missingAgain] = await Promise.all([
        discovery.discover("networking.k8s.io/v1", "Ingress"),
        discovery.discover("networking.k8s.io/v1", "NetworkPolicy"),
        discovery.discover("networking.k8s.io/v1", "Ingress"),
        discovery.discover("absent.slipway.test/v1", "Widget"),
        discovery.discover("absent.slipway.test/v1", "Widget"),
      ]);
      expect([ingress?.plural, policy?.plural, again?.plural]).toEqual(["ingresses", "networkpolicies", "ingresses"]);
      expect([missing, missingAgain]).toEqual([undefined, undefined]);
      expect(paths.sort()).toEqual(["/apis/absent.slipway.test/v1", "/apis/networking.k8s.io/v1"]);
      // A miss is not remembered: a CRD installed later is found.
      await discovery.discover("absent.slipway.test/v1", "Widget");
      expect(paths.filter((p) => p === "/apis/absent.slipway.test/v1")).toHaveLength(2);
    } finally {
      transport.close();
    }
  });

  it("maps core, grouped and cluster-scoped kinds to plural and scope", async () => {
    expect(await kube.discover("v1", "ConfigMap")).toEqual({ apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true });
    expect(await kube.discover("apps/v1", "Deployment")).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      plural: "deployments",
      namespaced: true,
    });
    expect(await kube.discover("v1", "Namespace")).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      plural: "namespaces",
      namespaced: false,
    });
    expect(await kube.discover("coordination.k8s.io/v1", "Lease")).toMatchObject({ plural: "leases", namespaced: true });
    expect(await kube.discover("policy/v1", "PodDisruptionBudget")).toMatchObject({ plural: "poddisruptionbudgets" });
    expect(await kube.discover("autoscaling/v2", "HorizontalPodAutoscaler")).toMatchObject({ plural: "horizontalpodautoscalers" });
  });

  it("says a kind is not installed: unknown group, and unknown kind in a known group", async () => {
    // A made-up kind: other tests may install stand-in CRDs (ServiceMonitor) into the shared cluster.
    expect(await kube.discover("example.slipway.dev/v1", "NotInstalled")).toBeUndefined();
    expect(await kube.discover("apps/v1", "NotInstalled")).toBeUndefined();
    expect(await kube.discover("apps/v999", "Deployment")).toBeUndefined();
    const error = await kube.get("example.slipway.dev/v1", "NotInstalled", ns.name, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).code).toBe("KUBE_KIND_NOT_INSTALLED");
    expect((error as KubeError).message).toBe("NotInstalled (example.slipway.dev/v1) is not served by the cluster");
  });

  it("finds a CRD kind installed after an earlier miss", async () => {
    const group = `${ns.name}.slipway.dev`;
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}`, labels: { "slipway.test/integration": "true" } },
      spec: {
        group,
        scope: "Namespaced",
        names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    };
    expect(await kube.discover(`${group}/v1`, "Widget")).toBeUndefined();
    await kube.apply(crd, { fieldManager: "slipway" });
    try {
      const info = await waitFor("Widget discovery", () => kube.discover(`${group}/v1`, "Widget"), { timeoutMs: 30_000, intervalMs: 200 });
      expect(info).toEqual({ apiVersion: `${group}/v1`, kind: "Widget", plural: "widgets", namespaced: true });
      const widget = await kube.apply(
        { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w", namespace: ns.name }, spec: { size: 3 } },
        { fieldManager: "slipway" },
      );
      expect(widget.spec).toEqual({ size: 3 });
    } finally {
      await kube.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, crd.metadata.name);
    }
  });
});

describe("server version", () => {
  it("is the pinned v1.36.3", async () => {
    const v = await kube.serverVersion();
    expect(v.gitVersion).toBe("v1.36.3");
    expect(v.major).toBe("1");
    expect(v.minor).toBe("36");
  });
});

describe("pod logs", () => {
  it("returns kwok's answer for a running pod, or KUBE_LOGS_UNAVAILABLE", async () => {
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "logger", namespace: ns.name },
      spec: { containers: [{ name: "app", image: "registry.example/app:1" }] },
    };
    await kube.apply(pod, { fieldManager: "slipway" });
    await waitFor(
      "pod running",
      async () =>
        (await kube.get<KubeObject & { status?: { phase?: string } }>("v1", "Pod", ns.name, "logger"))?.status?.phase === "Running"
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const outcome = await kube.podLogs(ns.name, "logger", "app", { tailLines: 10 }).then(
      (text) => ({ text }),
      (e: unknown) => ({ error: e }),
    );
    if ("text" in outcome) {
      expect(typeof outcome.text).toBe("string");
    } else {
      expect(outcome.error).toBeInstanceOf(KubeError);
      expect((outcome.error as KubeError).code).toBe("KUBE_LOGS_UNAVAILABLE");
      expect((outcome.error as KubeError).message).toMatch(/^logs of pod\/logger container app in namespace kube-discovery-\w+: /);
    }
    process.stderr.write(
      `[kube-client] kwok pod logs: ${JSON.stringify("text" in outcome ? outcome.text : `${(outcome.error as KubeError).message} (HTTP ${(outcome.error as KubeError).status})`)}\n`,
    );
  });

  it("reports a missing pod as KUBE_NOT_FOUND", async () => {
    const error = await kube.podLogs(ns.name, "no-such-pod", undefined).catch((e: unknown) => e);
    expect((error as KubeError).code).toBe("KUBE_NOT_FOUND");
  });
});
