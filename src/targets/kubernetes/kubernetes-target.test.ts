import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { historyObjectName } from "./kube-history.js";
import { leaseName } from "./kube-lock.js";
import { applyOrder, objectRef, releaseJobNamesOf } from "./kubernetes-target.js";

const object = (kind: string, name = "web"): KubeObject => ({ apiVersion: "v1", kind, metadata: { name } });

describe("applyOrder", () => {
  const rendered = [
    object("Namespace", "ns"),
    object("ServiceAccount"),
    object("ConfigMap"),
    object("Job", "web-migrate"),
    object("Deployment"),
    object("Service"),
    object("ServiceMonitor"),
    object("ExternalSecret"),
  ];

  it("orders namespace, identity and config, then the workload, then traffic, without Jobs", () => {
    expect(applyOrder(rendered).map(objectRef)).toEqual([
      "Namespace/ns",
      "ServiceAccount/web",
      "ConfigMap/web",
      "ExternalSecret/web",
      "Deployment/web",
      "Service/web",
      "ServiceMonitor/web",
    ]);
  });

  it("stops at a rank: what a release Job needs before it can start", () => {
    expect(applyOrder(rendered, 1).map(objectRef)).toEqual(["Namespace/ns", "ServiceAccount/web", "ConfigMap/web", "ExternalSecret/web"]);
  });
});

describe("names", () => {
  it("are deterministic per app, environment and revision", () => {
    expect(historyObjectName("web", "production", 42)).toBe("slipway-web-production-r000042");
    expect(leaseName("web", "production")).toBe("slipway-web-production");
  });
});

describe("releaseJobNamesOf", () => {
  const job = (name: string, phase: string): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: { "slipway.dev/phase": phase } },
  });

  it("names the Jobs a revision ran as rendered, setup first", () => {
    const objects = [object("Deployment"), job("web-migrate-0123456789", "migrate"), job("web-setup-abcdef0123", "setup")];
    expect(releaseJobNamesOf(objects, 3)).toEqual(["web-setup-abcdef0123", "web-migrate-0123456789"]);
  });

  it("gives releases recorded before per-release names their -r<revision> run names", () => {
    expect(releaseJobNamesOf([object("Deployment"), job("web-migrate", "migrate")], 7)).toEqual(["web-migrate-r7"]);
  });
});
