/**
 * A workspace (a private copy of examples/node-postgres) whose `staging` environment deploys to a
 * fresh namespace of the test cluster, with the database Secret already created there — what a
 * team has before its first `slipway deploy -e staging`.
 */
import { randomBytes } from "node:crypto";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { seedSecrets } from "../../cluster/secrets.js";
import { loadExamples } from "../../helpers/examples.js";
import { type Workspace, workspace } from "./local-harness.js";

export interface KubeWorkspace extends Workspace {
  namespace: string;
  /** Deletes the namespace (without waiting) and the workspace. */
  cleanupAll(): Promise<void>;
}

export async function kubeWorkspace(
  name: string,
  kubeconfig: string,
  options: { namespace?: string; spec?: (text: string) => string; secretValues?: Record<string, string> } = {},
): Promise<KubeWorkspace> {
  const namespace = options.namespace ?? `${name}-${randomBytes(3).toString("hex")}`;
  const ws = await workspace(`kube-${name}`);
  ws.edit("slipway.yaml", (t) =>
    (options.spec ?? ((x) => x))(t.replace("targets:\n", `targets:\n  kubernetes: { type: kubernetes, namespace: ${namespace} }\n`)),
  );
  const model = loadExamples()
    .find((e) => e.name === "node-postgres")
    ?.kubeModels.find((m) => m.environment === "staging");
  if (model === undefined) throw new Error("examples/node-postgres has no staging model");
  await kubectlOk(kubeconfig, ["create", "namespace", namespace]);
  await seedSecrets(kubeconfig, model, namespace, options.secretValues);
  return {
    ...ws,
    namespace,
    async cleanupAll() {
      await kubectl(kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
      await ws.cleanup();
    },
  };
}
