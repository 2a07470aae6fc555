import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { applyOrder, rankGroups, settleBounded } from "./apply.js";
import { objectRef } from "./target-state.js";

const object = (kind: string, name = "web"): KubeObject => ({ apiVersion: "v1", kind, metadata: { name } });

describe("rankGroups", () => {
  it("cuts the apply order into runs of one rank, keeping the order inside each", () => {
    const ordered = applyOrder([
      object("Service"),
      object("ConfigMap", "a"),
      object("Namespace", "ns"),
      object("Deployment"),
      object("ConfigMap", "b"),
      object("Ingress"),
      object("Job", "migrate"),
    ]);
    expect(rankGroups(ordered).map((group) => group.map(objectRef))).toEqual([
      ["Namespace/ns"],
      ["ConfigMap/a", "ConfigMap/b"],
      ["Deployment/web"],
      ["Service/web", "Ingress/web"],
    ]);
  });

  it("gives nothing for nothing", () => {
    expect(rankGroups([])).toEqual([]);
  });
});

describe("settleBounded", () => {
  const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("never runs more than the limit at once, and answers in item order whatever order work ends in", async () => {
    let running = 0;
    let most = 0;
    const results = await settleBounded([30, 5, 20, 1, 10, 2, 15, 3], 3, async (ms) => {
      running++;
      most = Math.max(most, running);
      await tick(ms);
      running--;
      return ms * 2;
    });
    expect(most).toBe(3);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : undefined))).toEqual([60, 10, 40, 2, 20, 4, 30, 6]);
  });

  it("waits for every item before answering, failures included", async () => {
    const finished: number[] = [];
    const results = await settleBounded([1, 2, 3], 2, async (n) => {
      if (n === 1) throw new Error("first fails at once");
      await tick(10);
      finished.push(n);
      return n;
    });
    expect(finished).toEqual([2, 3]);
    expect(results[0]).toMatchObject({ status: "rejected", reason: new Error("first fails at once") });
    expect(results.slice(1)).toEqual([
      { status: "fulfilled", value: 2 },
      { status: "fulfilled", value: 3 },
    ]);
  });
});
