import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { type KubeWorkspace, kubeWorkspace } from "./kube-harness.js";
import { bin, eventually, finished, parseRun, slipway, start } from "./local-harness.js";

// `slipway logs` and `slipway exec` against a Kubernetes environment on the kwok test cluster.
// kwok serves the kubelet's log and exec endpoints (start.sh enables its Logs/Exec CRDs): a
// ClusterLogs makes every container of this test's namespace "print" a file written here, and a
// ClusterExec runs exec'd commands on this machine in a scratch folder.
const kubeconfig = inject("kubeconfig");

/** A line in the CRI log format the kubelet (and kwok) read: `<RFC 3339 time> <stream> F <text>`. */
const cri = (stream: "stdout" | "stderr", text: string, second: number) =>
  `2026-01-01T00:00:${String(second).padStart(2, "0")}.000000000Z ${stream} F ${text}\n`;

describe("slipway logs / exec for a Kubernetes environment", () => {
  let ws: KubeWorkspace;
  const namespace = `logs-${randomBytes(3).toString("hex")}`;
  const canary = `canary-${randomBytes(12).toString("hex")}`;
  // A multi-line value with a quote (the Secret's other key), and every encoded form of both values.
  const multi = `A"b\nmulti2-${randomBytes(8).toString("hex")}\nmulti3-${randomBytes(8).toString("hex")}`;
  const encodedLines = [canary, multi].flatMap((v) => [
    `json ${JSON.stringify({ v })}`,
    `url ${encodeURIComponent(v)}`,
    `form ${new URLSearchParams({ v }).toString()}`,
    `b64 ${Buffer.from(v).toString("base64")}`,
    `b64url ${Buffer.from(v).toString("base64url")}`,
    `basic ${Buffer.from(`user:${v}`).toString("base64")}`,
    ...v.split("\n").map((line) => `raw ${line}`),
  ]);
  const needles = [canary, multi].flatMap((v) => [
    ...v.split("\n").filter((l) => l.length >= 4),
    JSON.stringify(v).slice(1, -1),
    encodeURIComponent(v),
    new URLSearchParams({ v }).toString().slice(2),
    Buffer.from(v).toString("base64").replace(/=+$/, ""),
    Buffer.from(v).toString("base64url"),
    Buffer.from(`user:${v}`).toString("base64").slice(8, -4),
  ]);
  const env = { KUBECONFIG: kubeconfig };
  const scratch = mkdtempSync(join(tmpdir(), "slipway-kube-logs-"));
  const logFile = join(scratch, "container.log");
  const kwokObjects = {
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind: "ClusterLogs",
        metadata: { name: namespace },
        spec: { selector: { matchNamespaces: [namespace] }, logs: [{ logsFile: logFile, follow: true }] },
      },
      {
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind: "ClusterExec",
        metadata: { name: namespace },
        spec: { selector: { matchNamespaces: [namespace] }, execs: [{ local: { workDir: scratch } }] },
      },
    ],
  };

  beforeAll(async () => {
    // The database password is the canary: it must never come out of `slipway logs`.
    ws = await kubeWorkspace("logs", kubeconfig, { namespace, secretValues: { password: canary, host: multi } });
    writeFileSync(
      logFile,
      cri("stdout", "listening on :3000", 1) +
        cri("stdout", `connecting to postgres://app:${canary}@db:5432/app`, 2) +
        cri("stderr", "warning: slow query (1200 ms)", 3) +
        encodedLines.map((line) => cri("stdout", line, 3)).join("") +
        cri("stdout", "GET /ready 200", 4),
    );
    await kubectlOk(kubeconfig, ["apply", "-f", "-"], { input: JSON.stringify(kwokObjects) });
    const deployed = await slipway(ws.dir, ["deploy", "-e", "staging", "--json"], env);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await kubectl(kubeconfig, ["delete", "clusterlogs,clusterexecs", namespace, "--ignore-not-found"]);
    await ws?.cleanupAll();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it("prints the Deployment's and the migrate Job's pod logs, prefixed pod/container, the Secret's value redacted", async () => {
    const run = await slipway(ws.dir, ["logs", "-e", "staging"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^node-postgres-[a-z0-9]+-[a-z0-9]+\/[a-z0-9-]+ │ listening on :3000$/m);
    expect(run.stdout).toMatch(/^node-postgres-migrate-[0-9a-f]{10}-[a-z0-9]+\/[a-z0-9-]+ │ GET \/ready 200$/m);
    expect(run.stdout).toContain("warning: slow query (1200 ms)");
    expect(run.stdout).toContain("connecting to postgres://app:[redacted]@db:5432/app");
    expect(run.stdout + run.stderr).not.toContain(canary);
  }, 60_000);

  it("--json gives the lines as data, redacted too; --lines limits each container", async () => {
    const run = await slipway(ws.dir, ["logs", "-e", "staging", "--json", "--lines", "1"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(canary);
    const result = run.final?.result as { revision: number; lines: { pod: string; container: string; line: string }[] };
    expect(result.revision).toBe(1);
    expect(result.lines.length).toBeGreaterThan(0);
    // One line per container: the last one of the file.
    expect(new Set(result.lines.map((l) => l.line))).toEqual(new Set(["GET /ready 200"]));
    const all = await slipway(ws.dir, ["logs", "-e", "staging", "--json"], env);
    const lines = ((all.final?.result as { lines?: { line: string }[] } | undefined)?.lines ?? []).map((l) => l.line);
    expect(lines).toContain("connecting to postgres://app:[redacted]@db:5432/app");
    expect(all.stdout).not.toContain(canary);
  }, 60_000);

  it("every form of the Secrets' values is redacted: multi-line, JSON-escaped, URL- and form-encoded, base64", async () => {
    const texts: string[] = [];
    for (const args of [
      ["logs", "-e", "staging"],
      ["logs", "-e", "staging", "--json"],
      ["history", "-e", "staging", "--json"],
      ["status", "-e", "staging", "--json"],
    ]) {
      const run = await slipway(ws.dir, args, env);
      expect(run.code, run.stderr).toBe(0);
      texts.push(run.stdout, run.stderr);
    }
    // The forms were there to leak: the lines are printed, with the marker in place of the value.
    expect(texts[0]).toContain("b64 [redacted]");
    expect(texts[0]).toContain('raw A"b');
    for (const text of texts) for (const needle of needles) expect(text, needle).not.toContain(needle);
  }, 60_000);

  it("--revision shows that revision's release Job; an unknown revision is DEPLOY_NO_RELEASE", async () => {
    const run = await slipway(ws.dir, ["logs", "-e", "staging", "--revision", "1"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^node-postgres-migrate-[0-9a-f]{10}-/m);
    const none = await slipway(ws.dir, ["logs", "-e", "staging", "--revision", "9", "--json"], env);
    expect(none.code).toBe(1);
    expect(none.final?.error).toMatchObject({ code: "DEPLOY_NO_RELEASE" });
  }, 60_000);

  it("--follow prints lines appended later, still redacted", async () => {
    const child = start(ws.dir, ["logs", "-e", "staging", "--follow", "--lines", "0"], env);
    try {
      // Appends until the streams are open and the new line shows up (kwok follows the file).
      let n = 0;
      await eventually(
        "the appended line in --follow output",
        async () => {
          appendFileSync(logFile, cri("stdout", `late line ${n++} ${canary}`, 5));
          await new Promise((r) => setTimeout(r, 300));
          return /late line \d+ \[redacted\]/.test(child.out.stdout) ? true : undefined;
        },
        60_000,
      );
    } finally {
      child.kill("SIGTERM");
    }
    const run = await finished(child);
    expect(run.stdout).not.toContain(canary);
  }, 90_000);

  it("--follow follows the new pods of a rollout from their first line", async () => {
    const child = start(ws.dir, ["logs", "-e", "staging", "--follow", "--lines", "1"], env);
    try {
      // The current pods' last line shows once their streams (and the pod watch beside them) are open.
      await eventually("the follower to start", async () => (child.out.stdout.includes(" │ ") ? true : undefined), 30_000);
      const before = new Set(await podNames());
      const deployed = await slipway(ws.dir, ["deploy", "-e", "staging", "--json", "--tag", "1.0.9"], env);
      expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
      const fresh = (await podNames()).filter((name) => !before.has(name));
      expect(fresh.length).toBeGreaterThan(0);
      // A new pod's log starts with the file's first line.
      await eventually(
        "a new pod's first line",
        async () => (fresh.some((pod) => child.out.stdout.includes(`${pod}/app │ listening on :3000`)) ? true : undefined),
        30_000,
      );
    } finally {
      child.kill("SIGTERM");
    }
    const run = await finished(child);
    expect(run.stdout).not.toContain(canary);
  }, 120_000);

  async function podNames(): Promise<string[]> {
    const out = await kubectlOk(kubeconfig, ["-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=web", "-o", "name"]);
    return out
      .split("\n")
      .filter(Boolean)
      .map((line) => line.replace(/^pod\//, ""));
  }

  it("exec runs the command in a Ready pod, wiring stdout and stderr, and exits with its code", async () => {
    const ok = await slipway(ws.dir, ["exec", "-e", "staging", "--", "sh", "-c", "echo hello from $(pwd); echo to-stderr >&2"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`hello from ${scratch}`);
    expect(ok.stderr).toContain("to-stderr");

    const failing = await slipway(ws.dir, ["exec", "-e", "staging", "--", "sh", "-c", "echo partial; exit 7"], env);
    expect(failing.code).toBe(7);
    expect(failing.stdout).toContain("partial");

    const missing = await slipway(ws.dir, ["exec", "-e", "staging", "--json", "--", "no-such-command-slipway"], env);
    expect(missing.code).toBe(1);
    expect(missing.final?.error).toMatchObject({ code: "KUBE_EXEC_FAILED" });
  }, 60_000);

  it("exec passes stdin through to the command", async () => {
    // kwok copies stdin into the command's pipe but never closes it at EOF (pkg/utils/exec,
    // PipeStdin), so a command here can read lines but would wait forever for end-of-file; a real
    // kubelet closes it when slipway sends v5's close of channel 0. So: read one line, not to EOF.
    const child = spawn(process.execPath, [bin, "exec", "-e", "staging", "--", "sh", "-c", 'read -r line; echo "got: $line"'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end("hello through stdin\n");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const run = parseRun(code, stdout, stderr);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("got: hello through stdin\n");
  }, 60_000);

  it("exec --tty gives the command a terminal of this one's size (80×24 when slipway has none)", async () => {
    const plain = await slipway(ws.dir, ["exec", "-e", "staging", "--", "sh", "-c", "tty || true"], env);
    expect(plain.stdout).toContain("not a tty");
    // `sleep 1`: with a terminal, the runtime can drop what a very short exec printed last when the
    // process exits before its pty is drained (a known race on the runtime side, e.g. cri-o#8483; seen
    // once here as '/dev/pts/0' alone). The session and its frames are slipway's; the race is not.
    // The wait for a size: slipway sends the size as the session's first frame, but containerd starts
    // the process before it applies the first resize (CRI exec: start, then the resize loop), so a
    // command that asks at once can still see 0×0 (seen once in CI). The loop waits up to 5 s for the
    // size to arrive; if slipway never sent it, the size stays "0 0" and the match below fails.
    const waitForSize = 'i=0; while [ "$(stty size)" = "0 0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done';
    const run = await slipway(ws.dir, ["exec", "-e", "staging", "--tty", "--", "sh", "-c", `tty; ${waitForSize}; stty size; sleep 1`], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\/dev\/(pts\/\d+|tty\S*)\r?\n24 80\r?\n$/);
  }, 60_000);
});
