/**
 * Creates the Secrets a rendered release reads (database host/password, app secrets) in a test
 * namespace, as a team would before its first deploy. Values default to harmless placeholders;
 * pass `values` (`"<secret>/<key>"` or just `"<key>"`) to plant e.g. a canary.
 */
import type { KubeObject } from "../../src/effects/kube/kube-api.js";
import type { AppModel } from "../../src/model/app-model.js";
import { renderKubernetes } from "../../src/render/kubernetes/render-kubernetes.js";
import { secretRefs } from "../../src/targets/kubernetes/secret-refs.js";
import { kubectlOk } from "./kube.js";

/** The Secret objects (stringData) that the model's rendered pod templates read, in `namespace`. */
export function secretsFor(model: AppModel, namespace: string, values: Readonly<Record<string, string>> = {}): KubeObject[] {
  const objects = renderKubernetes({ ...model, namespace }) as KubeObject[];
  return secretRefs(objects).map((ref) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: ref.name, namespace },
    type: "Opaque",
    stringData: Object.fromEntries(
      (ref.keys.length > 0 ? ref.keys : ["value"]).map((key) => [key, values[`${ref.name}/${key}`] ?? values[key] ?? `test-${key}`]),
    ),
  }));
}

/** Applies secretsFor(...) with kubectl (field manager `test-seed`). */
export async function seedSecrets(
  kubeconfig: string,
  model: AppModel,
  namespace: string,
  values: Readonly<Record<string, string>> = {},
): Promise<KubeObject[]> {
  const secrets = secretsFor(model, namespace, values);
  if (secrets.length === 0) return secrets;
  await kubectlOk(kubeconfig, ["apply", "--server-side", "--field-manager", "test-seed", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: secrets }),
  });
  return secrets;
}
