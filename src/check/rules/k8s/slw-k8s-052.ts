import type { KubeRule } from "../../types.js";

/** apiVersion → kinds it no longer serves (all removed by Kubernetes 1.32). An empty list means every kind. */
const removed: Record<string, { kinds: string[]; use: string }> = {
  "extensions/v1beta1": { kinds: [], use: "apps/v1 or networking.k8s.io/v1" },
  "apps/v1beta1": { kinds: [], use: "apps/v1" },
  "apps/v1beta2": { kinds: [], use: "apps/v1" },
  "networking.k8s.io/v1beta1": { kinds: [], use: "networking.k8s.io/v1" },
  "policy/v1beta1": { kinds: [], use: "policy/v1 (PodSecurityPolicy: Pod Security admission)" },
  "batch/v1beta1": { kinds: [], use: "batch/v1" },
  "batch/v2alpha1": { kinds: [], use: "batch/v1" },
  "autoscaling/v2beta1": { kinds: [], use: "autoscaling/v2" },
  "autoscaling/v2beta2": { kinds: [], use: "autoscaling/v2" },
  "rbac.authorization.k8s.io/v1beta1": { kinds: [], use: "rbac.authorization.k8s.io/v1" },
  "rbac.authorization.k8s.io/v1alpha1": { kinds: [], use: "rbac.authorization.k8s.io/v1" },
  "apiextensions.k8s.io/v1beta1": { kinds: [], use: "apiextensions.k8s.io/v1" },
  "admissionregistration.k8s.io/v1beta1": { kinds: [], use: "admissionregistration.k8s.io/v1" },
  "scheduling.k8s.io/v1beta1": { kinds: [], use: "scheduling.k8s.io/v1" },
  "storage.k8s.io/v1beta1": {
    kinds: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment", "CSIStorageCapacity"],
    use: "storage.k8s.io/v1",
  },
  "discovery.k8s.io/v1beta1": { kinds: [], use: "discovery.k8s.io/v1" },
  "events.k8s.io/v1beta1": { kinds: [], use: "events.k8s.io/v1" },
  "node.k8s.io/v1beta1": { kinds: [], use: "node.k8s.io/v1" },
  "coordination.k8s.io/v1beta1": { kinds: [], use: "coordination.k8s.io/v1" },
  "certificates.k8s.io/v1beta1": { kinds: [], use: "certificates.k8s.io/v1" },
  "flowcontrol.apiserver.k8s.io/v1beta1": { kinds: [], use: "flowcontrol.apiserver.k8s.io/v1" },
  "flowcontrol.apiserver.k8s.io/v1beta2": { kinds: [], use: "flowcontrol.apiserver.k8s.io/v1" },
  "flowcontrol.apiserver.k8s.io/v1beta3": { kinds: [], use: "flowcontrol.apiserver.k8s.io/v1" },
};

export const slwK8s052: KubeRule = {
  id: "SLW-K8S-052",
  area: "kubernetes",
  title: "Removed or deprecated API version",
  severity: "high",
  category: "reliability",
  rationale: "The API server no longer serves this apiVersion: the apply fails on a current cluster, usually in the middle of an upgrade.",
  remediation: "Move the object to the stable apiVersion (and adjust fields that changed).",
  snippet: "apiVersion: apps/v1\nkind: Deployment",
  peers: {
    kubeScore: [{ id: "stable-version", relation: "same" }],
    kubeLinter: [
      {
        id: "no-extensions-v1beta",
        relation: "stricter",
        note: "flags every removed or deprecated API version; kube-linter only extensions/v1beta1",
      },
    ],
    trivy: [{ id: "KSV-0107", relation: "same" }],
  },
  *check(s) {
    const entry = removed[s.apiVersion];
    if (entry && (entry.kinds.length === 0 || entry.kinds.includes(s.kind))) {
      yield { message: `${s.apiVersion} ${s.kind} is no longer served; use ${entry.use}`, path: ["apiVersion"] };
    }
  },
};
