import type { KubeRule } from "../../types.js";
import { record } from "./pod.js";

export const slwK8s067: KubeRule = {
  id: "SLW-K8S-067",
  area: "kubernetes",
  title: "Secret values in a manifest",
  severity: "medium",
  category: "security",
  rationale:
    "A Secret with data in a manifest file puts the credential in Git and in every copy of the repository; base64 is not encryption.",
  remediation: "Keep secret values in a secret store and sync them (ExternalSecret, SealedSecret, SOPS), or create the Secret out of band.",
  snippet:
    "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: { name: web-secrets }\nspec:\n  secretStoreRef: { kind: ClusterSecretStore, name: aws-secrets-manager }",
  peers: {},
  *check(s) {
    if (s.kind !== "Secret" || s.origin.file === undefined) return;
    if (record(s.object).type === "kubernetes.io/service-account-token") return;
    const keys = [...Object.keys(record(s.object.data)), ...Object.keys(record(s.object.stringData))];
    if (keys.length > 0)
      yield {
        message: `Secret holds ${keys.length} value(s) in the manifest`,
        path: [s.object.data !== undefined ? "data" : "stringData"],
      };
  },
};
