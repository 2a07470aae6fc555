import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { describeMissing, missingSecrets, secretRefs } from "./secret-refs.js";

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    template: {
      spec: {
        initContainers: [{ env: [{ name: "A", valueFrom: { secretKeyRef: { name: "init", key: "k" } } }] }],
        containers: [
          {
            env: [
              { name: "PLAIN", value: "x" },
              { name: "DB_HOST", valueFrom: { secretKeyRef: { name: "db", key: "host" } } },
              { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
              { name: "OPT", valueFrom: { secretKeyRef: { name: "maybe", key: "x", optional: true } } },
            ],
            envFrom: [{ secretRef: { name: "all" } }],
          },
        ],
        volumes: [{ secret: { secretName: "certs", items: [{ key: "tls.crt" }] } }, { configMap: { name: "cm" } }],
      },
    },
  },
};
const job: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "web-migrate" },
  spec: {
    template: { spec: { containers: [{ env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] }] } },
  },
};

describe("secretRefs", () => {
  it("collects every Secret and key the pod templates read, with their readers", () => {
    const refs = secretRefs([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, deployment, job]);
    expect(refs).toEqual([
      { name: "all", keys: [], readers: ["Deployment/web"], optional: false },
      { name: "certs", keys: ["tls.crt"], readers: ["Deployment/web"], optional: false },
      { name: "db", keys: ["host", "password"], readers: ["Deployment/web", "Job/web-migrate"], optional: false },
      { name: "init", keys: ["k"], readers: ["Deployment/web"], optional: false },
      { name: "maybe", keys: ["x"], readers: ["Deployment/web"], optional: true },
    ]);
  });

  it("ignores objects without a pod template and malformed ones", () => {
    expect(secretRefs([{ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [] } }])).toEqual([]);
    expect(secretRefs([{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: {} } }])).toEqual([]);
  });
});

describe("missingSecrets", () => {
  const refs = secretRefs([deployment, job]);
  it("names absent Secrets and absent keys, never optional ones", () => {
    const existing = new Map<string, Set<string> | undefined>([
      ["db", new Set(["host"])],
      ["all", new Set()],
      ["certs", new Set(["tls.crt"])],
      ["init", undefined],
    ]);
    const missing = missingSecrets(refs, existing);
    expect(missing).toEqual([
      { name: "db", missingKeys: ["password"], readers: ["Deployment/web", "Job/web-migrate"] },
      { name: "init", missingKeys: undefined, readers: ["Deployment/web"] },
    ]);
    expect(describeMissing("shop", missing)).toBe(
      "Secret shop/db has no key password (read by Deployment/web, Job/web-migrate); Secret shop/init does not exist (read by Deployment/web)",
    );
  });

  it("is empty when everything required exists", () => {
    const existing = new Map<string, Set<string> | undefined>([
      ["db", new Set(["host", "password", "extra"])],
      ["all", new Set()],
      ["certs", new Set(["tls.crt"])],
      ["init", new Set(["k"])],
    ]);
    expect(missingSecrets(refs, existing)).toEqual([]);
  });
});
