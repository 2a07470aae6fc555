/**
 * The HTTPS KubeApi against the real test apiserver: server-side apply (create, update, dry run,
 * field-manager conflicts, force), get, list and delete.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeApi, type HttpKubeApi } from "../../../src/effects/kube/http-kube-api.js";
import type { KubeObject } from "../../../src/effects/kube/kube-api.js";
import { KubeApplyConflictError, KubeError } from "../../../src/effects/kube/kube-error.js";
import { loadKubeconfig } from "../../../src/effects/kube/kubeconfig.js";
import { getJson, kubectlOk, waitFor } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

let ns: TestNamespace;
let kube: HttpKubeApi;

beforeAll(async () => {
  ns = await createNamespace(kubeconfig, { prefix: "kube-apply" });
  kube = createKubeApi(await loadKubeconfig(kubeconfig));
});

afterAll(async () => {
  kube?.close();
  await ns?.delete();
});

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): ConfigMap {
  const metadata = Object.keys(labels).length > 0 ? { name, namespace: ns.name, labels } : { name, namespace: ns.name };
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data };
}

describe("server-side apply", () => {
  it("creates, then updates, owned by the field manager", async () => {
    const created = await kube.apply<ConfigMap>(configMap("web", { a: "1" }), { fieldManager: "slipway" });
    expect(created.data).toEqual({ a: "1" });
    expect(created.metadata.uid).toBeTruthy();

    const updated = await kube.apply<ConfigMap>(configMap("web", { a: "2", b: "3" }), { fieldManager: "slipway" });
    expect(updated.data).toEqual({ a: "2", b: "3" });
    expect(updated.metadata.uid).toBe(created.metadata.uid);

    const stored = await getJson<ConfigMap>(kubeconfig, ["-n", ns.name, "configmap", "web", "--show-managed-fields"]);
    expect(stored.data).toEqual({ a: "2", b: "3" });
    const managers = (stored.metadata.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain("slipway/Apply");
  });

  it("changes nothing with dryRun, yet returns the object as it would be", async () => {
    const dry = await kube.apply<ConfigMap>(configMap("dry", { a: "1" }), { fieldManager: "slipway", dryRun: true });
    expect(dry.data).toEqual({ a: "1" });
    expect(await kube.get("v1", "ConfigMap", ns.name, "dry")).toBeUndefined();

    await kube.apply(configMap("dry2", { a: "1" }), { fieldManager: "slipway" });
    const dryUpdate = await kube.apply<ConfigMap>(configMap("dry2", { a: "changed" }), { fieldManager: "slipway", dryRun: true });
    expect(dryUpdate.data).toEqual({ a: "changed" });
    expect((await kube.get<ConfigMap>("v1", "ConfigMap", ns.name, "dry2"))?.data).toEqual({ a: "1" });
  });

  it("reports a conflict naming the other field manager and field, and force takes over", async () => {
    await kubectlOk(kubeconfig, ["-n", ns.name, "apply", "--server-side", "--field-manager", "helm", "-f", "-"], {
      input: JSON.stringify(configMap("shared", { owned: "by-helm" })),
    });
    const error = await kube.apply(configMap("shared", { owned: "by-slipway" }), { fieldManager: "slipway" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApplyConflictError);
    const conflict = error as KubeApplyConflictError;
    expect(conflict.code).toBe("KUBE_APPLY_CONFLICT");
    expect(conflict.status).toBe(409);
    expect(conflict.managers).toEqual(["helm"]);
    expect(conflict.conflicts).toEqual([expect.objectContaining({ manager: "helm", field: ".data.owned" })]);
    expect(conflict.message).toMatch(/^apply configmap\/shared in namespace kube-apply-\w+: fields owned by helm: \.data\.owned$/);
    expect(conflict.hint).toMatch(/--force-conflicts/);
    expect((await kube.get<ConfigMap>("v1", "ConfigMap", ns.name, "shared"))?.data).toEqual({ owned: "by-helm" });

    const forced = await kube.apply<ConfigMap>(configMap("shared", { owned: "by-slipway" }), { fieldManager: "slipway", force: true });
    expect(forced.data).toEqual({ owned: "by-slipway" });
    const owners = (forced.metadata.managedFields as { manager: string; fieldsV1?: { "f:data"?: Record<string, unknown> } }[])
      .filter((m) => m.fieldsV1?.["f:data"]?.["f:owned"] !== undefined)
      .map((m) => m.manager);
    expect(owners).toEqual(["slipway"]);
  });

  it("applies cluster-scoped and non-core kinds", async () => {
    const name = `${ns.name}-reader`;
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels: { "slipway.test/integration": "true" } },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
    };
    try {
      const applied = await kube.apply(role, { fieldManager: "slipway" });
      expect(applied.metadata.namespace).toBeUndefined();
      expect((await kube.get("rbac.authorization.k8s.io/v1", "ClusterRole", undefined, name))?.metadata.name).toBe(name);
    } finally {
      await kube.delete("rbac.authorization.k8s.io/v1", "ClusterRole", undefined, name);
    }
  });

  it("rejects an invalid object with KUBE_INVALID and the server's message", async () => {
    const error = await kube
      .apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Not_Valid", namespace: ns.name } }, { fieldManager: "slipway" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).code).toBe("KUBE_INVALID");
    expect((error as KubeError).message).toMatch(/Not_Valid/);
  });

  it("refuses a namespaced object without a namespace", async () => {
    const error = await kube
      .apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }, { fieldManager: "slipway" })
      .catch((e: unknown) => e);
    expect((error as KubeError).code).toBe("KUBE_INVALID");
  });

  it("refuses a kind the cluster does not serve with KUBE_KIND_NOT_INSTALLED", async () => {
    const error = await kube
      .apply(
        { apiVersion: "example.slipway.dev/v1", kind: "NoSuchThing", metadata: { name: "x", namespace: ns.name } },
        { fieldManager: "slipway" },
      )
      .catch((e: unknown) => e);
    expect((error as KubeError).code).toBe("KUBE_KIND_NOT_INSTALLED");
  });
});

describe("get, list, delete", () => {
  it("gets an object, and undefined for a missing one", async () => {
    await kube.apply(configMap("got", { k: "v" }), { fieldManager: "slipway" });
    const got = await kube.get<ConfigMap>("v1", "ConfigMap", ns.name, "got");
    expect(got?.data).toEqual({ k: "v" });
    expect(await kube.get("v1", "ConfigMap", ns.name, "missing")).toBeUndefined();
  });

  it("lists by label selector, items carrying apiVersion and kind", async () => {
    await kube.apply(configMap("l1", { n: "1" }, { set: "listed" }), { fieldManager: "slipway" });
    await kube.apply(configMap("l2", { n: "2" }, { set: "listed" }), { fieldManager: "slipway" });
    await kube.apply(configMap("l3", { n: "3" }, { set: "other" }), { fieldManager: "slipway" });
    const list = await kube.list<ConfigMap>("v1", "ConfigMap", ns.name, { labelSelector: "set=listed" });
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual(["l1", "l2"]);
    expect(list.items.every((i) => i.apiVersion === "v1" && i.kind === "ConfigMap")).toBe(true);
    expect(list.resourceVersion).toMatch(/^\d+$/);
  });

  it("lists across namespaces when no namespace is given", async () => {
    await kube.apply(configMap("everywhere", {}, { probe: ns.name }), { fieldManager: "slipway" });
    const list = await kube.list("v1", "ConfigMap", undefined, { labelSelector: `probe=${ns.name}` });
    expect(list.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([`${ns.name}/everywhere`]);
  });

  it("deletes with a propagation policy; false when already gone", async () => {
    await kube.apply(configMap("doomed", {}), { fieldManager: "slipway" });
    expect(await kube.delete("v1", "ConfigMap", ns.name, "doomed", { propagationPolicy: "Foreground" })).toBe(true);
    // Foreground: the object stays, marked for deletion, until the garbage collector removes it.
    const marked = await kube.get("v1", "ConfigMap", ns.name, "doomed");
    if (marked !== undefined) expect(marked.metadata.finalizers).toContain("foregroundDeletion");
    await waitFor("doomed gone", async () => ((await kube.get("v1", "ConfigMap", ns.name, "doomed")) === undefined ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(await kube.delete("v1", "ConfigMap", ns.name, "doomed")).toBe(false);
  });

  it("dry-run delete leaves the object", async () => {
    await kube.apply(configMap("kept", {}), { fieldManager: "slipway" });
    expect(await kube.delete("v1", "ConfigMap", ns.name, "kept", { dryRun: true })).toBe(true);
    expect(await kube.get("v1", "ConfigMap", ns.name, "kept")).toBeDefined();
  });
});
