/** Watch streams of the HTTPS KubeApi against the real test apiserver. */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKubeApi, type HttpKubeApi } from "../../../src/effects/kube/http-kube-api.js";
import type { KubeObject, WatchEvent } from "../../../src/effects/kube/kube-api.js";
import { loadKubeconfig } from "../../../src/effects/kube/kubeconfig.js";
import { waitFor } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

let ns: TestNamespace;
let kube: HttpKubeApi;

beforeAll(async () => {
  ns = await createNamespace(kubeconfig, { prefix: "kube-watch" });
  kube = createKubeApi(await loadKubeconfig(kubeconfig));
});

afterAll(async () => {
  kube?.close();
  await ns?.delete();
});

const cm = (name: string, value: string, labels: Record<string, string> = { w: "yes" }): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns.name, labels },
  data: { value },
});

describe("watch", () => {
  it("sees ADDED, MODIFIED and DELETED of a ConfigMap, then resolves when aborted", async () => {
    const start = await kube.list("v1", "ConfigMap", ns.name, { labelSelector: "w=yes" });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = kube.watch(
      "v1",
      "ConfigMap",
      ns.name,
      { labelSelector: "w=yes", resourceVersion: start.resourceVersion },
      (e) => events.push(e),
      abort.signal,
    );
    const seen = (type: string, value?: string) => () =>
      Promise.resolve(
        events.some((e) => e.type === type && (value === undefined || (e.object.data as { value?: string })?.value === value))
          ? true
          : undefined,
      );

    await kube.apply(cm("watched", "1"), { fieldManager: "slipway" });
    await kube.apply(cm("unwatched", "1", { w: "no" }), { fieldManager: "slipway" });
    await waitFor("ADDED", seen("ADDED"), { timeoutMs: 10_000, intervalMs: 20 });
    await kube.apply(cm("watched", "2"), { fieldManager: "slipway" });
    await waitFor("MODIFIED", seen("MODIFIED", "2"), { timeoutMs: 10_000, intervalMs: 20 });
    await kube.delete("v1", "ConfigMap", ns.name, "watched");
    await waitFor("DELETED", seen("DELETED"), { timeoutMs: 10_000, intervalMs: 20 });

    abort.abort();
    await expect(watching).resolves.toBeUndefined();
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED watched", "MODIFIED watched", "DELETED watched"]);
    expect(events.every((e) => e.object.kind === "ConfigMap")).toBe(true);
  });

  it("reconnects from the last seen version when the server ends the stream", async () => {
    const start = await kube.list("v1", "ConfigMap", ns.name, { labelSelector: "re=yes" });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = kube.watch(
      "v1",
      "ConfigMap",
      ns.name,
      { labelSelector: "re=yes", resourceVersion: start.resourceVersion, timeoutSeconds: 1 },
      (e) => events.push(e),
      abort.signal,
    );
    await kube.apply(cm("again", "1", { re: "yes" }), { fieldManager: "slipway" });
    await waitFor("first ADDED", () => Promise.resolve(events.length === 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    // Outlive the server's per-connection timeout at least twice.
    await new Promise((r) => setTimeout(r, 2500));
    await kube.apply(cm("again", "2", { re: "yes" }), { fieldManager: "slipway" });
    await waitFor("MODIFIED after reconnect", () => Promise.resolve(events.length === 2 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    abort.abort();
    await watching;
    expect(events.map((e) => `${e.type} ${(e.object.data as { value: string }).value}`)).toEqual(["ADDED 1", "MODIFIED 2"]);
  });

  it("without a resourceVersion, starts with ADDED for every existing object", async () => {
    await kube.apply(cm("existing", "x", { pre: "yes" }), { fieldManager: "slipway" });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = kube.watch("v1", "ConfigMap", ns.name, { labelSelector: "pre=yes" }, (e) => events.push(e), abort.signal);
    await waitFor("initial ADDED", () => Promise.resolve(events.length > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
    abort.abort();
    await watching;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED existing"]);
  });

  it("rejects with the error onEvent throws", async () => {
    const abort = new AbortController();
    const watching = kube.watch(
      "v1",
      "ConfigMap",
      ns.name,
      { labelSelector: "boom=yes" },
      () => {
        throw new Error("handler failed");
      },
      abort.signal,
    );
    const outcome = watching.then(
      () => "resolved",
      (e: unknown) => e,
    );
    await kube.apply(cm("boom", "x", { boom: "yes" }), { fieldManager: "slipway" });
    expect(await outcome).toEqual(new Error("handler failed"));
    abort.abort();
  });

  it("resolves at once when the signal is already aborted", async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(kube.watch("v1", "ConfigMap", ns.name, {}, () => {}, abort.signal)).resolves.toBeUndefined();
  });
});
