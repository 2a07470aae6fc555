import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

function pod(name: string, securityContext: Record<string, unknown>, podSecurityContext: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      securityContext: podSecurityContext,
      containers: [{ name: "app", image: "registry.example/app:1", securityContext }],
    },
  };
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  runAsUser: 10001,
  seccompProfile: { type: "RuntimeDefault" },
};

describe("Pod Security admission", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createNamespace(kubeconfig, {
      prefix: "psa",
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    });
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it("rejects a privileged pod in a restricted namespace", async () => {
    const r = await kubectl(kubeconfig, ["-n", ns.name, "create", "-f", "-"], {
      input: JSON.stringify(pod("privileged", { privileged: true })),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('violates PodSecurity "restricted:latest"');
    expect(r.stderr).toMatch(/privileged/);
  });

  it("admits a pod that meets the restricted profile (server-side dry run)", async () => {
    const r = await kubectl(kubeconfig, ["-n", ns.name, "create", "--dry-run=server", "-f", "-"], {
      input: JSON.stringify(pod("restricted", restrictedContainer)),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
