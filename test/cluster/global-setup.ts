/**
 * Vitest globalSetup of the `integration` project: one kwok cluster per test run.
 *
 * Tests read the cluster's kubeconfig path with `inject("kubeconfig")` and work in their own
 * namespaces (test/cluster/namespace.ts).
 *
 * Set SLIPWAY_TEST_KUBECONFIG to the kubeconfig of a cluster you started by hand
 * (bash test/cluster/start.sh) to run the tests against it; it is then left running.
 */
import type { TestProject } from "vitest/node";
import { startCluster, stopCluster } from "./cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.SLIPWAY_TEST_KUBECONFIG;
  if (existing !== undefined && existing !== "") {
    provide("kubeconfig", existing);
    return async () => {};
  }
  const cluster = await startCluster({ watchPid: process.pid });
  process.stderr.write(`[integration] cluster ${cluster.name} ready in ${cluster.readySeconds} s (KUBECONFIG=${cluster.kubeconfig})\n`);
  provide("kubeconfig", cluster.kubeconfig);
  return async () => {
    await stopCluster(cluster);
  };
}
