/**
 * Starts and stops the kwok test cluster from TypeScript (the vitest global setup uses this).
 * The work is done by start.sh / stop.sh, so starting a cluster by hand behaves the same.
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const START_SH = fileURLToPath(new URL("./start.sh", import.meta.url));
const STOP_SH = fileURLToPath(new URL("./stop.sh", import.meta.url));

export interface Cluster {
  /** kwokctl cluster name, unique per start. */
  readonly name: string;
  /** Absolute path of a kubeconfig for the cluster (admin client certificate, https://127.0.0.1:<port>). */
  readonly kubeconfig: string;
  /** KWOK_WORKDIR the cluster lives in (logs: <workdir>/clusters/<name>/logs). */
  readonly workdir: string;
  /** Seconds from `kwokctl create cluster` until the apiserver, nodes and default service account were ready. */
  readonly readySeconds: number;
  /** PID of the watchdog that deletes the cluster if the watched process dies first (see StartOptions.watchPid). */
  readonly watchdogPid?: number;
  /** The real node, when started with `realNode: true` (start.sh --real-node). */
  readonly realNode?: RealNode;
}

/** The one real node of a cluster (test/cluster/real-node.sh): a kubelet on containerd. */
export interface RealNode {
  /** Node name (`slipway-real-0`). */
  readonly node: string;
  /** Label and taint key (`slipway.test/real-node`, value "true"; the taint is NoSchedule). */
  readonly label: string;
  /** containerd's socket (`ctr --address … -n k8s.io`). */
  readonly containerdAddress: string;
  /**
   * `127.0.0.1:PORT` of the registry (go-containerregistry's) containerd pulls `slipway.test/*` and
   * `127.0.0.1:PORT/*` from over plain HTTP; push with crane or `slipway build --push`.
   */
  readonly registry: string;
}

export interface StartOptions {
  name?: string;
  kubeconfig?: string;
  nodes?: number;
  /** Upper bound for the whole start, in milliseconds (default 240 s). */
  timeoutMs?: number;
  /**
   * Delete the cluster as soon as this process is gone, however it ends (even SIGKILL): a small
   * detached watchdog polls it. kwokctl starts the components detached, so without this a killed
   * test run would leave them running. stopCluster() ends the watchdog.
   */
  watchPid?: number;
  /** Also join one real node (start.sh --real-node; root, containerd, runc and the CNI plugins needed). */
  realNode?: boolean;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

function runBash(script: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [script, ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: "SIGTERM" },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`bash ${script} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

/** Starts a fresh cluster (see start.sh) and resolves once it is ready for tests. */
export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  const args: string[] = [];
  if (options.name !== undefined) args.push("--name", options.name);
  if (options.kubeconfig !== undefined) args.push("--kubeconfig", options.kubeconfig);
  if (options.nodes !== undefined) args.push("--nodes", String(options.nodes));
  if (options.realNode === true) args.push("--real-node");
  const { stdout } = await runBash(START_SH, args, options.timeoutMs ?? 240_000);
  const kv = parseKeyValues(stdout);
  const name = kv.get("CLUSTER_NAME");
  const kubeconfig = kv.get("KUBECONFIG");
  const workdir = kv.get("KWOK_WORKDIR");
  const ready = kv.get("READY_SECONDS");
  if (name === undefined || kubeconfig === undefined || workdir === undefined || ready === undefined) {
    throw new Error(`start.sh did not report the cluster it started:\n${stdout}`);
  }
  const node = kv.get("REAL_NODE");
  const label = kv.get("REAL_NODE_LABEL");
  const containerdAddress = kv.get("CONTAINERD_ADDRESS");
  const registry = kv.get("REGISTRY");
  const realNode =
    node !== undefined && label !== undefined && containerdAddress !== undefined && registry !== undefined
      ? { node, label, containerdAddress, registry }
      : undefined;
  const cluster: Cluster = { name, kubeconfig, workdir, readySeconds: Number(ready), ...(realNode ? { realNode } : {}) };
  if (options.watchPid === undefined) return cluster;
  const watchdog = spawn(
    "bash",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" --name "$3"',
      "slipway-cluster-watchdog",
      String(options.watchPid),
      STOP_SH,
      name,
    ],
    { detached: true, stdio: "ignore", env: { ...process.env, KWOK_WORKDIR: workdir } },
  );
  watchdog.unref();
  return watchdog.pid === undefined ? cluster : { ...cluster, watchdogPid: watchdog.pid };
}

const REAL_NODE_SH = fileURLToPath(new URL("./real-node.sh", import.meta.url));

/** Why a real node cannot run on this machine (real-node.sh can-run), or undefined when it can. */
export function realNodeUnavailable(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("bash", [REAL_NODE_SH, "can-run"], { timeout: 30_000 }, (error, stdout) => {
      resolve(error ? stdout.trim() || error.message : undefined);
    });
  });
}

/** What real-node.sh records about the machine (sysctls, chains, links, cgroups, mounts, folders). */
export async function hostState(): Promise<string[]> {
  const { stdout } = await runBash(REAL_NODE_SH, ["state"], 30_000);
  return stdout.split("\n").filter((l) => l !== "");
}

/** Stops and deletes a cluster started by startCluster (or start.sh). */
export async function stopCluster(cluster: Cluster | string): Promise<void> {
  const name = typeof cluster === "string" ? cluster : cluster.name;
  if (typeof cluster !== "string" && cluster.watchdogPid !== undefined) {
    try {
      process.kill(cluster.watchdogPid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  await runBash(STOP_SH, ["--name", name], 120_000);
}
