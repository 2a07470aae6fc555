import type { KubeRule } from "../../types.js";
import { eachContainer, list, record } from "./pod.js";

export const slwK8s076: KubeRule = {
  id: "SLW-K8S-076",
  area: "kubernetes",
  title: "Secret read into an environment variable",
  severity: "low",
  category: "security",
  rationale:
    "Environment variables are inherited by every child process, printed by crash handlers and debug pages, and never change while the pod runs; a mounted Secret file is readable only where the app opens it and is updated in place when the Secret rotates.",
  remediation: "Mount the Secret as a read-only volume and read the file, where the app supports it.",
  snippet:
    "volumes:\n  - name: db\n    secret: { secretName: web-db }\ncontainers:\n  - volumeMounts:\n      - { name: db, mountPath: /run/secrets/db, readOnly: true }",
  peers: {
    kubeLinter: [{ id: "read-secret-from-env-var", relation: "same" }],
    checkov: [{ id: "CKV_K8S_35", relation: "same" }],
  },
  *check(s) {
    for (const { c } of eachContainer(s)) {
      for (const [i, e] of list(c.container.env).map(record).entries()) {
        const ref = record(record(e.valueFrom).secretKeyRef);
        if (Object.keys(ref).length > 0)
          yield {
            message: `container '${c.name}' reads Secret ${String(ref.name ?? "?")} into ${String(e.name ?? "an env var")}`,
            path: [...c.path, "env", i, "valueFrom"],
          };
      }
      for (const [i, e] of list(c.container.envFrom).map(record).entries()) {
        const ref = record(e.secretRef);
        if (Object.keys(ref).length > 0)
          yield {
            message: `container '${c.name}' reads every key of Secret ${String(ref.name ?? "?")} into env vars`,
            path: [...c.path, "envFrom", i],
          };
      }
    }
  },
};
