import type { KubeApi } from "../../effects/kube/kube-api.js";
import { isKubeError } from "../../effects/kube/kube-error.js";

/**
 * Creates the app's namespace when it is missing, so history and the lock can be written before
 * the first release applies its own Namespace. A user allowed only inside the namespace may not
 * read Namespaces: then it is assumed to exist.
 */
export async function ensureNamespace(api: KubeApi, namespace: string, fieldManager: string): Promise<void> {
  try {
    if ((await api.get("v1", "Namespace", undefined, namespace)) !== undefined) return;
  } catch (error) {
    if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") return;
    throw error;
  }
  await api.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, { fieldManager });
}
