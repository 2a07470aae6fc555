/**
 * Isolated namespaces for integration tests: each test file (or test) creates its own uniquely
 * named namespace, with whatever labels it needs (e.g. Pod Security levels), and deletes it at the end.
 */
import { randomBytes } from "node:crypto";
import { kubectl, kubectlOk, waitFor } from "./kube.js";

export interface TestNamespace {
  readonly name: string;
  readonly kubeconfig: string;
  /** Deletes the namespace without waiting for its contents to go. */
  delete(): Promise<void>;
}

export interface NamespaceOptions {
  /** Name prefix (default "t"); a random suffix makes the name unique. */
  prefix?: string;
  labels?: Readonly<Record<string, string>>;
}

/**
 * Creates a namespace `<prefix>-<random>` with the given labels and waits until its `default`
 * service account exists (pods cannot be created before that).
 */
export async function createNamespace(kubeconfig: string, options: NamespaceOptions = {}): Promise<TestNamespace> {
  const prefix = (options.prefix ?? "t")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  const name = `${prefix || "t"}-${randomBytes(4).toString("hex")}`;
  const manifest = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "slipway.test/integration": "true", ...options.labels } },
  };
  await kubectlOk(kubeconfig, ["create", "-f", "-"], { input: JSON.stringify(manifest) });
  await waitFor(
    `service account default in namespace ${name}`,
    async () => ((await kubectl(kubeconfig, ["-n", name, "get", "serviceaccount", "default", "-o", "name"])).code === 0 ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return {
    name,
    kubeconfig,
    async delete() {
      await kubectl(kubeconfig, ["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
    },
  };
}
