/**
 * Small helpers for talking to the test cluster through the locally built kubectl.
 * No dependencies beyond node:*; every wait is bounded.
 */
import { execFile, spawn } from "node:child_process";
import { requireTool } from "../helpers/tools.js";

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Kill kubectl after this many milliseconds (default 60 s). */
  timeoutMs?: number;
}

/** Runs kubectl against the cluster and resolves with its output and exit code (never rejects on a non-zero exit). */
export function kubectl(kubeconfig: string, args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      requireTool("kubectl"),
      ["--kubeconfig", kubeconfig, ...args],
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`kubectl ${args.join(" ")}: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ stdout, stderr, code: typeof error?.code === "number" ? error.code : 0 });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like kubectl(), but rejects with kubectl's stderr on a non-zero exit. */
export async function kubectlOk(kubeconfig: string, args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(kubeconfig, args, options);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `kubectl get -o json`, parsed. */
export async function getJson<T = KubeObject>(kubeconfig: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await kubectlOk(kubeconfig, ["get", ...args, "-o", "json"])) as T;
}

/** `kubectl create -f -` of the given objects (JSON), in a namespace. */
export async function create(kubeconfig: string, namespace: string, ...objects: readonly unknown[]): Promise<void> {
  const list = { apiVersion: "v1", kind: "List", items: objects };
  await kubectlOk(kubeconfig, ["-n", namespace, "create", "-f", "-"], { input: JSON.stringify(list) });
}

/** A Kubernetes object as plain JSON (only the fields the tests look at are typed). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, and returns that value.
 * Bounded: throws after timeoutMs (default 60 s) with the last observation.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Splits a stream of concatenated JSON documents (as `kubectl get -w -o json` prints them). */
export class JsonStreamSplitter {
  private buf = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  push(chunk: string): unknown[] {
    const out: unknown[] = [];
    const base = this.buf.length;
    this.buf += chunk;
    for (let i = base; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === "\\") this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === "{") {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === "}") {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          out.push(JSON.parse(this.buf.slice(this.start, i + 1)));
          this.start = -1;
        }
      }
    }
    if (this.depth === 0) {
      this.buf = "";
    } else if (this.start > 0) {
      this.buf = this.buf.slice(this.start);
      this.start = 0;
    }
    return out;
  }
}

/**
 * Watches one object (`kubectl get <kind> <name> -w -o json`) and collects every version of it
 * until `done` returns true for one. Unlike polling, no intermediate state is missed.
 * Bounded: rejects after timeoutMs (default 60 s) with the states seen so far.
 */
export function watchUntil<T = KubeObject>(
  kubeconfig: string,
  namespace: string,
  kindAndName: readonly [string, string],
  done: (obj: T, seen: readonly T[]) => boolean,
  options: { timeoutMs?: number } = {},
): Promise<T[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(requireTool("kubectl"), ["--kubeconfig", kubeconfig, "-n", namespace, "get", ...kindAndName, "-w", "-o", "json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const seen: T[] = [];
    const splitter = new JsonStreamSplitter();
    let stderr = "";
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGTERM");
      if (err) reject(err);
      else resolve(seen);
    };
    const timer = setTimeout(() => {
      finish(new Error(`timed out after ${timeoutMs} ms watching ${kindAndName.join("/")}; states seen:\n${summarize(seen)}\n${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      for (const obj of splitter.push(chunk)) {
        seen.push(obj as T);
        if (done(obj as T, seen)) {
          finish();
          return;
        }
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("exit", (code) => {
      finish(new Error(`kubectl get -w ${kindAndName.join("/")} exited ${code} before the awaited state:\n${stderr}\n${summarize(seen)}`));
    });
  });
}

function summarize(objs: readonly unknown[]): string {
  return objs.map((o) => JSON.stringify((o as KubeObject).status ?? o)).join("\n");
}
