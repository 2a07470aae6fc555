import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s047: KubeRule = {
  id: "SLW-K8S-047",
  area: "kubernetes",
  title: "Binding to cluster-admin",
  severity: "critical",
  category: "security",
  rationale:
    "cluster-admin may do anything in every namespace; a workload or CI identity bound to it turns any compromise into a cluster compromise.",
  remediation: "Bind a Role with only the permissions needed, in the namespace where they are needed.",
  snippet: "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: deployer",
  peers: {
    polaris: [
      { id: "clusterrolebindingClusterAdmin", relation: "same" },
      { id: "rolebindingClusterAdminClusterRole", relation: "same" },
    ],
    kubeLinter: [{ id: "cluster-admin-role-binding", relation: "same" }],
    trivy: [{ id: "KSV-0111", relation: "same" }],
  },
  *check(s) {
    if (s.kind !== "ClusterRoleBinding" && s.kind !== "RoleBinding") return;
    const ref = record(s.object.roleRef);
    if (ref.kind === "ClusterRole" && ref.name === "cluster-admin")
      yield { message: `${s.kind} grants cluster-admin`, path: ["roleRef", "name"] };
  },
};
