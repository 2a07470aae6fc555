/*
 * The Host seam's contract, run against this machine (`localHost`) and against a real sshd on
 * 127.0.0.1 (`connectSshHost`): the same assertions for both, so the SSH host is a drop-in for the
 * local one. Then host-key pinning against the real sshd: unknown key refused with its fingerprint,
 * an accepted one pinned, a changed one refused.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../../../src/effects/host.js";
import { localHost } from "../../../src/effects/local-host.js";
import { connectSshHost, type SshHost } from "../../../src/effects/ssh-host.js";
import type { SlipwayError } from "../../../src/errors/slipway-error.js";

const sshdScript = resolve("test/runtime/sshd.sh");
const sshdBinary = ["/usr/sbin/sshd", "/usr/bin/sshd"].find((path) => existsSync(path));
if (sshdBinary === undefined) console.warn("ssh-host tests skipped: sshd is not installed (apt-get install openssh-server)");

const env = { PATH: "/usr/local/bin:/usr/bin:/bin" };
const hostile = ["a b", "it's", 'say "hi"', "$(touch /tmp/slipway-pwned)", "`id`", "$HOME", "a\\b", "semi;colon", "*", "-n", ""];

async function fingerprintOf(publicKeyFile: string): Promise<string> {
  const out = execFileSync("ssh-keygen", ["-lf", publicKeyFile], { encoding: "utf8" });
  return out.split(" ")[1] ?? "";
}

async function rejection(promise: Promise<unknown>): Promise<SlipwayError> {
  try {
    await promise;
  } catch (error) {
    return error as SlipwayError;
  }
  throw new Error("expected a rejection");
}

let root = "";
let sshdDir = "";
let sshHost: SshHost | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "slipway-host-"));
  if (sshdBinary === undefined) return;
  sshdDir = join(root, "sshd");
  const port = execFileSync(sshdScript, ["start", sshdDir], { encoding: "utf8" }).trim();
  sshHost = await connectSshHost({
    destination: `root@127.0.0.1:${port}`,
    identityFile: join(sshdDir, "client_key"),
    knownHostsFile: join(root, "known_hosts"),
    acceptHostKey: await fingerprintOf(join(sshdDir, "host_ed25519_key.pub")),
  });
});

afterAll(async () => {
  await sshHost?.close();
  if (sshdDir !== "") execFileSync(sshdScript, ["stop", sshdDir]);
  await rm(root, { recursive: true, force: true });
});

const hosts: [string, () => Host][] = [
  ["local", () => localHost],
  [
    "ssh",
    () => {
      if (sshHost === undefined) throw new Error("no ssh host");
      return sshHost;
    },
  ],
];

describe.each(hosts)("Host contract: %s", (name, hostOf) => {
  const skip = name === "ssh" && sshdBinary === undefined;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `slipway-contract-${name}-`));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)("run streams stdout and stderr lines and returns the exit code", async () => {
    const lines: string[] = [];
    const result = await hostOf().run({
      command: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      cwd: dir,
      env,
      timeoutMs: 20_000,
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    expect(result.exitCode).toBe(3);
    expect(lines.sort()).toEqual(["stderr:err", "stdout:out"]);
    const fed = await hostOf().run({ command: ["cat"], cwd: dir, env, timeoutMs: 20_000, input: "one\nit's $(two)\n" });
    expect(fed).toMatchObject({ exitCode: 0, lastLines: ["one", "it's $(two)"] });
  });

  it.skipIf(skip)("run passes hostile arguments through unchanged, in the folder, with exactly the given environment", async () => {
    const result = await hostOf().run({
      command: [
        "sh",
        "-c",
        'pwd; [ -n "$HOME" ] && echo "$HOME" || echo "no home"; echo "$FOO"; shift 0; printf "[%s]\\n" "$@"',
        "sh",
        ...hostile,
      ],
      cwd: dir,
      env: { ...env, FOO: "x'y $(z)" },
      timeoutMs: 20_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.lastLines).toEqual([dir, "no home", "x'y $(z)", ...hostile.map((word) => `[${word}]`)]);
    expect(existsSync("/tmp/slipway-pwned")).toBe(false);
  });

  it.skipIf(skip)("run stops a command that runs past its timeout, on the host too", async () => {
    const host = hostOf();
    const marker = `slipway-timeout-${name}-${process.pid}`;
    const result = await host.run({ command: ["sh", "-c", "sleep 60; :", marker], cwd: dir, env, timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    let left = ["?"];
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const check = await localHost.run({ command: ["pgrep", "-f", marker], cwd: "/", env, timeoutMs: 10_000 });
      left = check.lastLines;
    }
    expect(left).toEqual([]);
  });

  it.skipIf(skip)("run refuses a program that does not exist and a folder that does not exist", async () => {
    const host = hostOf();
    const missing = await rejection(host.run({ command: ["no-such-program-slipway"], cwd: dir, env, timeoutMs: 20_000 }));
    expect(missing.code).toBe("LOCAL_PROCESS_START_FAILED");
    const noFolder = await rejection(host.run({ command: ["true"], cwd: join(dir, "nowhere"), env, timeoutMs: 20_000 }));
    expect(noFolder.code).toBe("LOCAL_PROCESS_START_FAILED");
    // A command's own exit 127 (a program it runs is missing) is a result, not a refusal.
    const inner = await host.run({ command: ["sh", "-c", "no-such-program-slipway"], cwd: dir, env, timeoutMs: 20_000 });
    expect(inner.exitCode).toBe(127);
    const own97 = await host.run({ command: ["sh", "-c", "exit 97"], cwd: dir, env, timeoutMs: 20_000 });
    expect(own97.exitCode).toBe(97);
  });

  it.skipIf(skip)("writeFileAtomic writes content with newlines and quotes at the mode; readText reads it back", async () => {
    const host = hostOf();
    const file = join(dir, "it's a file");
    const content = `line one\n${hostile.join("\n")}\n\u00e9\u00e8 no newline at end`;
    await host.writeFileAtomic(file, content, 0o600);
    expect(await host.readText(file)).toBe(content);
    const mode = await host.run({ command: ["stat", "-c", "%a", file], cwd: dir, env, timeoutMs: 20_000 });
    expect(mode.lastLines).toEqual(["600"]);
    await host.writeFileAtomic(file, "replaced\n");
    expect(await host.readText(file)).toBe("replaced\n");
    const again = await host.run({ command: ["stat", "-c", "%a", file], cwd: dir, env, timeoutMs: 20_000 });
    expect(again.lastLines).toEqual(["644"]);
    expect(await host.readText(join(dir, "missing"))).toBeUndefined();
    const leftovers = await host.run({ command: ["sh", "-c", "ls -a | grep -c tmp || true"], cwd: dir, env, timeoutMs: 20_000 });
    expect(leftovers.lastLines).toEqual(["0"]);
  });

  it.skipIf(skip)("tail returns the last lines, [] for a missing file", async () => {
    const host = hostOf();
    const file = join(dir, "log.txt");
    await host.writeFileAtomic(file, "1\n2\n3\n4\n5\n");
    expect(await host.tail(file, 2)).toEqual(["4", "5"]);
    expect(await host.tail(join(dir, "none.txt"), 2)).toEqual([]);
  });

  it.skipIf(skip)("makeDir, exists and remove", async () => {
    const host = hostOf();
    const nested = join(dir, "a b", "c'd", "$(e)");
    expect(await host.exists(nested)).toBe(false);
    await host.makeDir(nested);
    expect(await host.exists(nested)).toBe(true);
    await host.writeFileAtomic(join(nested, "f"), "x");
    await host.remove(join(dir, "a b"));
    expect(await host.exists(join(dir, "a b"))).toBe(false);
    await host.remove(join(dir, "a b"));
  });

  it.skipIf(skip)("start runs a detached process with its identity; isAlive and stop go by that identity", async () => {
    const host = hostOf();
    const logFile = join(dir, "logs", "sleeper.log");
    const pidFile = join(dir, "sleeper.pid");
    const started = await host.start({ command: ["sh", "-c", "echo started; exec sleep 60"], cwd: dir, env, logFile, pidFile });
    expect(started.startTime).toMatch(/^\d+$/);
    expect(await host.isAlive(started)).toBe(true);
    expect(await host.startTimeOf(started.pid)).toBe(started.startTime);
    expect(await host.isAlive({ pid: started.pid, startTime: "1" })).toBe(false);
    expect(await host.readText(pidFile)).toBe(`${started.pid}\n${started.startTime}\n`);
    // A pid with another start time is someone else's: nothing is sent.
    expect(await host.stop({ pid: started.pid, startTime: "1" }, { graceMs: 200 })).toMatchObject({ wasRunning: false });
    expect(await host.isAlive(started)).toBe(true);
    for (let i = 0; i < 50 && (await host.tail(logFile, 5)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await host.tail(logFile, 5)).toEqual(["started"]);
    expect(await host.stop({ pid: started.pid, startTime: started.startTime }, { graceMs: 5_000 })).toMatchObject({
      wasRunning: true,
      forced: false,
    });
    expect(await host.isAlive(started)).toBe(false);
    expect(await host.stop({ pid: started.pid, startTime: started.startTime })).toMatchObject({ wasRunning: false });
  });

  it.skipIf(skip)("stop kills a process that ignores SIGTERM, with its process group, after the grace period", async () => {
    const host = hostOf();
    const logFile = join(dir, "stubborn.log");
    const started = await host.start({
      command: ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"],
      cwd: dir,
      env,
      logFile,
    });
    for (let i = 0; i < 50 && (await host.tail(logFile, 1)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const result = await host.stop({ pid: started.pid, startTime: started.startTime }, { graceMs: 300 });
    expect(result).toMatchObject({ wasRunning: true, forced: true });
    expect(await host.isAlive(started)).toBe(false);
  });

  it.skipIf(skip)("waitForPort sees a listener open its port; httpGet reaches it from the host; refused once it stops", async () => {
    const host = hostOf();
    const port = await host.freePort();
    const server = `require("http").createServer((q, s) => { s.setHeader("x-seen", q.headers["x-probe"] ?? ""); s.end("hello " + q.url); }).listen(${port}, "127.0.0.1")`;
    const started = await host.start({ command: [process.execPath, "-e", server], cwd: dir, env, logFile: join(dir, "server.log") });
    try {
      const wait = await host.waitForPort(port, { timeoutMs: 30_000, isAlive: () => host.isAlive(started) });
      expect(wait).toEqual({ ok: true });
      const answer = await host.httpGet(`http://127.0.0.1:${port}/up?x=1`, 5_000, { "x-probe": "it's $(x)" });
      expect(answer).toMatchObject({ ok: true, status: 200, body: "hello /up?x=1" });
      expect(answer.ok && answer.headers["x-seen"]).toBe("it's $(x)");
    } finally {
      await host.stop({ pid: started.pid, startTime: started.startTime }, { graceMs: 5_000 });
    }
    expect(await host.httpGet(`http://127.0.0.1:${port}/`, 5_000)).toMatchObject({ ok: false, error: "refused" });
    expect(await host.httpGet(`http://127.0.0.1:${port}/`, 5_000, { "x-a": "1\r\nx-injected: 2" })).toMatchObject({
      ok: false,
      error: "failed",
    });
  });

  it.skipIf(skip)("waitForPort fails fast when the process that should listen is gone", async () => {
    const host = hostOf();
    const port = await host.freePort();
    const started = await host.start({ command: ["sh", "-c", "exit 1"], cwd: dir, env, logFile: join(dir, "quitter.log") });
    const wait = await host.waitForPort(port, { timeoutMs: 60_000, isAlive: () => host.isAlive(started) });
    expect(wait).toMatchObject({ ok: false, reason: "exited" });
  });
});

describe.skipIf(sshdBinary === undefined)("SSH host limits", () => {
  it("refuses what it cannot do remotely with HOST_NOT_SUPPORTED instead of pretending", async () => {
    const host = sshHost as SshHost;
    expect((await rejection(host.listProcesses())).code).toBe("HOST_NOT_SUPPORTED");
    expect((await rejection(host.processFacts(1))).code).toBe("HOST_NOT_SUPPORTED");
    const runAs = host.run({ command: ["true"], cwd: "/", env, timeoutMs: 10_000, runAs: { uid: 1, gid: 1 } });
    expect((await rejection(runAs)).code).toBe("HOST_NOT_SUPPORTED");
  });

  it("reports the remote user id", () => {
    expect(sshHost?.uid).toBe(process.getuid?.());
  });
});

describe.skipIf(sshdBinary === undefined)("SSH host key pinning", () => {
  let dir = "";
  let port = "";
  beforeAll(async () => {
    dir = join(root, "pinning-sshd");
    port = execFileSync(sshdScript, ["start", dir], { encoding: "utf8" }).trim();
  });
  afterAll(() => {
    if (dir !== "") execFileSync(sshdScript, ["stop", dir]);
  });
  const options = (knownHostsFile: string, acceptHostKey?: string) => ({
    destination: `root@127.0.0.1:${port}`,
    identityFile: join(dir, "client_key"),
    knownHostsFile,
    ...(acceptHostKey === undefined ? {} : { acceptHostKey }),
  });

  it("refuses a host without a pinned key, showing its fingerprint and the flag to accept it", async () => {
    const knownHosts = join(root, "unknown-known_hosts");
    const fingerprint = await fingerprintOf(join(dir, "host_ed25519_key.pub"));
    const error = await rejection(connectSshHost(options(knownHosts)));
    expect(error.code).toBe("HOST_KEY_UNKNOWN");
    expect(error.message).toContain(fingerprint);
    expect(error.hint).toContain(`--accept-host-key ${fingerprint}`);
    expect(existsSync(knownHosts)).toBe(false);
    const wrong = await rejection(connectSshHost(options(knownHosts, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));
    expect(wrong.code).toBe("HOST_KEY_UNKNOWN");
    expect(existsSync(knownHosts)).toBe(false);
  });

  it("logs in with a key from the agent when no identity file is given", async () => {
    const knownHosts = join(root, "agent-known_hosts");
    const agentDir = await mkdtemp(join(tmpdir(), "slipway-agent-"));
    const socket = join(agentDir, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
      const { identityFile: _none, ...withoutKey } = options(knownHosts, await fingerprintOf(join(dir, "host_ed25519_key.pub")));
      const refused = await rejection(connectSshHost({ ...withoutKey, agentSocket: socket }));
      expect(refused.code).toBe("HOST_SSH_FAILED");
      expect(refused.message).toContain("Permission denied");
      execFileSync("ssh-add", ["-q", join(dir, "client_key")], { env: { PATH: env.PATH, SSH_AUTH_SOCK: socket } });
      const host = await connectSshHost({ ...withoutKey, agentSocket: socket });
      expect(host.uid).toBe(process.getuid?.());
      await host.close();
    } finally {
      agent.kill();
      await rm(agentDir, { recursive: true, force: true });
    }
  });

  it("reports a host where nothing listens as a connection failure", async () => {
    const closedPort = execFileSync(
      process.execPath,
      ["-e", 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'],
      {
        encoding: "utf8",
      },
    ).trim();
    const error = await rejection(
      connectSshHost({
        destination: `root@127.0.0.1:${closedPort}`,
        knownHostsFile: join(root, "closed-known_hosts"),
        acceptHostKey: "SHA256:x",
      }),
    );
    expect(error.code).toBe("HOST_SSH_FAILED");
  });

  it("pins an accepted key, connects with it, and refuses the host once its key changes", async () => {
    const knownHosts = join(root, "pinned-known_hosts");
    const first = await connectSshHost(options(knownHosts, await fingerprintOf(join(dir, "host_ed25519_key.pub"))));
    expect((await first.run({ command: ["echo", "hi"], cwd: "/", env, timeoutMs: 20_000 })).lastLines).toEqual(["hi"]);
    await first.close();
    const pinned = await readFile(knownHosts, "utf8");
    expect(pinned).toBe(
      `[127.0.0.1]:${port} ${(await readFile(join(dir, "host_ed25519_key.pub"), "utf8")).split(" ").slice(0, 2).join(" ")}\n`,
    );
    // Pinned now: no flag needed.
    const second = await connectSshHost(options(knownHosts));
    expect(await second.exists("/")).toBe(true);
    await second.close();

    execFileSync(sshdScript, ["rekey", dir]);
    const changed = await fingerprintOf(join(dir, "host_ed25519_key.pub"));
    const error = await rejection(connectSshHost(options(knownHosts, changed)));
    expect(error.code).toBe("HOST_KEY_MISMATCH");
    expect(error.message).toContain(changed);
    expect(await readFile(knownHosts, "utf8")).toBe(pinned);
  });
});
