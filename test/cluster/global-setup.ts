/**
 * Vitest globalSetup of the `integration` project: one kwok cluster per test run.
 *
 * Tests read the cluster's kubeconfig path with `inject("kubeconfig")` and work in their own
 * namespaces (test/cluster/namespace.ts).
 *
 * Set SLIPWAY_TEST_KUBECONFIG to the kubeconfig of a cluster you started by hand
 * (bash test/cluster/start.sh) to run the tests against it; it is then left running.
 *
 * The real node (start.sh --real-node, issue 20): SLIPWAY_TEST_REAL_NODE=1 requires it, =0 leaves
 * it out; unset, it is joined wherever real-node.sh can-run says it can (root, containerd, runc, the
 * CNI plugins, the built kubelet), and a start that fails falls back to the kwok-only cluster.
 * Tests read `inject("realNode")` (null when absent) and `inject("realNodeSkip")` (why).
 * After stopping a cluster with a real node, the machine's state must equal the state before
 * the start (hostState(): sysctls, KUBE-* chains, kube-proxy's nftables tables, links, cgroups, mounts,
 * folders), or the
 * teardown fails listing what was left.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { TestProject } from "vitest/node";
import { type Cluster, hostState, type RealNode, realNodeUnavailable, startCluster, stopCluster } from "./cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    realNode: RealNode | null;
    realNodeSkip: string;
  }
}

/** The real node of a cluster started by hand with start.sh --real-node (default kubeconfig path). */
function realNodeOf(kubeconfig: string): RealNode | undefined {
  const dir = dirname(kubeconfig);
  if (!existsSync(join(dir, "realnode", "kubelet.pid"))) return undefined;
  const registry = readFileSync(join(dir, "realnode", "registry.address"), "utf8").trim();
  return {
    node: "slipway-real-0",
    label: "slipway.test/real-node",
    containerdAddress: `/run/slipway-rn-${basename(dir)}/containerd.sock`,
    registry,
  };
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.SLIPWAY_TEST_KUBECONFIG;
  if (existing !== undefined && existing !== "") {
    provide("kubeconfig", existing);
    const realNode = realNodeOf(existing);
    provide("realNode", realNode ?? null);
    provide("realNodeSkip", realNode ? "" : "the cluster of SLIPWAY_TEST_KUBECONFIG has no real node (start.sh --real-node)");
    return async () => {};
  }
  const mode = process.env.SLIPWAY_TEST_REAL_NODE;
  let skip = mode === "0" ? "SLIPWAY_TEST_REAL_NODE=0" : mode === "1" ? undefined : await realNodeUnavailable();
  let cluster: Cluster | undefined;
  let before: string[] | undefined;
  if (skip === undefined) {
    before = await hostState();
    try {
      cluster = await startCluster({ watchPid: process.pid, realNode: true });
    } catch (error) {
      if (mode === "1") throw error;
      skip = `the real node did not come up: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
      process.stderr.write(`[integration] ${skip}; continuing without it\n`);
    }
  }
  cluster ??= await startCluster({ watchPid: process.pid });
  if (skip !== undefined) process.stderr.write(`[integration] real-node tests skip: ${skip}\n`);
  process.stderr.write(
    `[integration] cluster ${cluster.name}${cluster.realNode ? " (+ real node)" : ""} ready in ${cluster.readySeconds} s (KUBECONFIG=${cluster.kubeconfig})\n`,
  );
  provide("kubeconfig", cluster.kubeconfig);
  provide("realNode", cluster.realNode ?? null);
  provide("realNodeSkip", skip ?? "");
  const started = cluster;
  return async () => {
    await stopCluster(started);
    if (started.realNode === undefined || before === undefined) return;
    const after = await hostState();
    const left = after.filter((l) => !before.includes(l));
    const lost = before.filter((l) => !after.includes(l));
    if (left.length > 0 || lost.length > 0) {
      throw new Error(
        `the real node's teardown did not leave the machine as it found it:\n${[...left.map((l) => `+ ${l}`), ...lost.map((l) => `- ${l}`)].join("\n")}`,
      );
    }
  };
}
