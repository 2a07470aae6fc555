import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";
import { looksLikeCredential, sensitiveKey } from "./secrets.js";

/** Names of variables that point at a secret (its name, ARN, file or path) rather than hold it. */
const secretPointer = /(^|_)(NAMES?|ARNS?|FILE|PATH|DIR|REF|MOUNT)$/i;

export const slwK8s050: KubeRule = {
  id: "SLW-K8S-050",
  area: "kubernetes",
  title: "Secret in a plain env value",
  severity: "high",
  category: "security",
  rationale:
    "A literal env value is stored in the manifest, in Git, in every rendered chart and in the object that `kubectl get -o yaml` prints.",
  remediation: "Reference a Secret with valueFrom.secretKeyRef (or mount it as a file).",
  snippet: "env:\n  - name: STRIPE_API_KEY\n    valueFrom:\n      secretKeyRef: { name: web-secrets, key: STRIPE_API_KEY }",
  peers: {
    polaris: [{ id: "sensitiveContainerEnvVar", relation: "same" }],
    kubeLinter: [{ id: "env-var-secret", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      const env = list(c.container.env);
      for (let i = 0; i < env.length; i++) {
        const e = record(env[i]);
        if (typeof e.value !== "string" || e.value === "") continue;
        const name = String(e.name ?? "");
        const credential = looksLikeCredential(e.value);
        // SECRET_NAME, DB_PASSWORD_FILE, API_TOKEN_SECRET_ARN: the value names where the secret is, not the secret.
        if (!credential && (secretPointer.test(name) || /^arn:/.test(e.value))) continue;
        if (sensitiveKey.test(name) || credential) {
          yield { message: `container '${c.name}' sets ${name} to a literal value`, path: [...c.path, "env", i, "value"] };
        }
      }
    }
  },
};
