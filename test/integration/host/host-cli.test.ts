/*
 * The host target through the CLI (in process, real parts): `type: host` in slipway.yaml, a real sshd
 * on 127.0.0.1, Podman and Caddy on the "server" (this machine). The first connection is refused
 * until the fingerprint is accepted with --accept-host-key; deploy, status, exec, logs, history and
 * down go over SSH (the server prepared by `host setup`); a changed host key is refused.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet as get, hostTestNeeds, sshdFingerprint, startSshd, stopSshd } from "../../helpers/host-server.js";
import { busyboxBase, caddyImage } from "../../helpers/podman.js";
import { runCli } from "../../helpers/run-cli.js";
import { bin, eventually } from "../deploy/local-harness.js";

const sshdScript = resolve("test/runtime/sshd.sh");
const { skip, podmanVars } = hostTestNeeds("host CLI");

let root = "";
let sshdDir = "";
let fingerprint = "";
let image = "";
let proxyPort = 0;

const cli = (args: string[]) =>
  runCli([...args, "-f", join(root, "app", "slipway.yaml"), "-e", "production"], {
    cwd: join(root, "app"),
    env: { PATH: process.env.PATH ?? "" },
  });

beforeAll(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostcli-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  const sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  const base = busyboxBase(podmanVars);
  const context = join(root, "ctx");
  await mkdir(context);
  await writeFile(
    join(context, "Containerfile"),
    `FROM ${base}\nRUN mkdir -p /www && echo cli > /www/index.html && echo ok > /www/health\nCMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]\n`,
  );
  image = "localhost/slipway-test/host-cli-app:v1";
  execFileSync("podman", ["build", "--quiet", "--network", "host", "-t", image, context], { env: { ...process.env, ...podmanVars } });
  // v2: the same app answering `cli2`, for the deploy --tag and rollback step.
  await writeFile(join(context, "Containerfile"), `FROM ${image}\nRUN echo cli2 > /www/index.html\n`);
  execFileSync("podman", ["build", "--quiet", "--network", "host", "-t", image.replace(":v1", ":v2"), context], {
    env: { ...process.env, ...podmanVars },
  });
  proxyPort = freePort();
  // The server's folder and its runtime settings (the test Podman configuration) come from `host setup`.
  const serverDir = join(root, "srv");
  await mkdir(join(root, "app"));
  await writeFile(
    join(root, "app", "slipway.yaml"),
    `name: clihost
app:
  image: ${image}
  port: 8080
  health: /health
  scale: { min: 1, max: 1 }
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:${sshPort}
    identity: ${join(sshdDir, "client_key")}
    port: ${proxyPort}
    dir: ${serverDir}
    proxy: { image: ${caddyImage(podmanVars)} }
`,
  );
}, 180_000);

afterAll(async () => {
  if (skip) return;
  await cli(["down", "--accept-host-key", fingerprint]).catch(() => undefined);
  if (sshdDir !== "") stopSshd(sshdDir);
  spawnSync("podman", ["rmi", "--force", image, image.replace(":v1", ":v2")], { env: { ...process.env, ...podmanVars } });
  await rm(root, { recursive: true, force: true });
}, 120_000);

describe.skipIf(skip)("host target through the CLI", () => {
  it("refuses a server whose key is not pinned, showing the fingerprint to accept", async () => {
    const result = await cli(["status"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HOST_KEY_UNKNOWN");
    expect(result.stderr).toContain(fingerprint);
    expect(result.stderr).toContain("--accept-host-key");
    expect(existsSync(join(root, "app", ".slipway", "known_hosts"))).toBe(false);
  }, 60_000);

  it("host setup with --accept-host-key, then deploy; status, exec, logs and history work over the pinned key", async () => {
    const runtimeEnv = Object.entries(podmanVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
    const setup = await cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv]);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    expect(setup.stdout).toContain("host.env: written (0600)");
    const deployed = await cli(["deploy", "--accept-host-key", fingerprint, "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "cli\n" });
    expect(existsSync(join(root, "app", ".slipway", "known_hosts"))).toBe(true);

    // No flag needed any more: the key is pinned.
    const status = await cli(["status", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const result = JSON.parse(status.stdout.trim().split("\n").pop() as string).result;
    expect(result).toMatchObject({ serving: 1, proxyServes: 1, healthy: true });

    const exec = await cli(["exec", "--", "sh", "-c", 'echo "revision $SLIPWAY_REVISION of $SLIPWAY_APP on $HOST:$PORT"']);
    expect(exec.code, exec.stderr).toBe(0);
    // The app contract's HOST and PORT in a container: what `gunicorn --bind "$HOST:$PORT"` needs.
    expect(exec.stdout).toContain("revision 1 of clihost on 0.0.0.0:8080");
    // Confined as a pod is: app.runAs's user (10001 by default, the image has no USER), a read-only
    // root, the user's own /tmp, no capability, no privilege escalation, the memory limit (256Mi).
    const confined = await cli([
      "exec",
      "--",
      "sh",
      "-c",
      "id -u; touch /probe 2>&1 || true; touch /tmp/probe && echo tmp-writable; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status",
    ]);
    expect(confined.code, confined.stderr).toBe(0);
    expect(confined.stdout).toMatch(/^10001\n/);
    expect(confined.stdout).toContain("Read-only file system");
    expect(confined.stdout).toContain("tmp-writable");
    expect(confined.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(confined.stdout).toMatch(/NoNewPrivs:\s+1/);
    const limits = spawnSync(
      "podman",
      ["ps", "--filter", "label=dev.slipway.app=clihost", "--filter", "label=dev.slipway.environment=production", "--format", "{{.Names}}"],
      {
        env: { ...process.env, ...podmanVars },
        encoding: "utf8",
      },
    ).stdout.trim();
    const memory = spawnSync("podman", ["inspect", "--format", "{{.HostConfig.Memory}}", limits.split("\n")[0] as string], {
      env: { ...process.env, ...podmanVars },
      encoding: "utf8",
    }).stdout.trim();
    expect(memory).toBe(String(256 * 1024 * 1024));
    const failing = await cli(["exec", "--", "sh", "-c", "exit 7"]);
    expect(failing.code).toBe(7);

    const logs = await cli(["logs", "--lines", "20"]);
    expect(logs.code, logs.stderr).toBe(0);
    // busybox httpd -v: a line per answered request (the health gate's and the test's).
    expect(logs.stdout).toContain("response:200");

    const history = await cli(["history", "--json"]);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('"outcome":"succeeded"');
  }, 180_000);

  // The built CLI as its own process, so that Ctrl-C is a real signal and its exit a real exit.
  it.skipIf(!existsSync(bin))(
    "logs --follow streams new lines until Ctrl-C, and leaves no ssh client behind",
    async () => {
      const follow = spawn(
        process.execPath,
        [bin, "logs", "--follow", "-n", "1", "-f", join(root, "app", "slipway.yaml"), "-e", "production"],
        {
          cwd: join(root, "app"),
          env: { PATH: process.env.PATH ?? "" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      follow.stdout.on("data", (chunk) => {
        out += chunk;
      });
      follow.stderr.on("data", (chunk) => {
        err += chunk;
      });
      const exited = new Promise<number | null>((done) => follow.once("exit", (code) => done(code)));
      const ours = () =>
        execFileSync("ps", ["-eo", "args="], { encoding: "utf8" })
          .split("\n")
          .filter((line) => line.startsWith("ssh ") && line.includes("--follow slipway-clihost-production-"));
      try {
        await eventually("the ssh session of logs --follow", async () => (ours().length > 0 ? true : undefined), 30_000);
        const before = out.split("response:200").length;
        // A request answered now is printed while following (a timeout beyond a timer's range once stopped it at once).
        expect(await get(proxyPort)).toMatchObject({ status: 200 });
        await eventually("the new request's log line", async () => (out.split("response:200").length > before ? true : undefined), 30_000);
        expect(follow.exitCode, err).toBeNull();
      } finally {
        follow.kill("SIGINT");
      }
      expect(await exited).toBe(130);
      expect(err).not.toContain("TimeoutOverflowWarning");
      await eventually("no ssh client of logs --follow left", async () => (ours().length === 0 ? true : undefined), 10_000);
    },
    120_000,
  );

  it("deploys another tag, then rollback puts the first release's image back", async () => {
    const second = await cli(["deploy", "--tag", "v2"]);
    expect(second.code, second.stderr).toBe(0);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "cli2\n" });
    const rollback = await cli(["rollback", "--json"]);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(JSON.parse(rollback.stdout.trim().split("\n").pop() as string)).toMatchObject({
      ok: true,
      result: { revision: 3, rollbackOf: 1 },
    });
    expect(await get(proxyPort)).toEqual({ status: 200, body: "cli\n" });
  }, 240_000);

  it("down stops the proxy and the containers; status then says nothing serves", async () => {
    const down = await cli(["down"]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/^stopped: proxy, container slipway-clihost-production-r3-1$/m);
    const ps = execFileSync("podman", ["ps", "--filter", "label=dev.slipway.app=clihost", "--format", "{{.Names}}"], {
      env: { ...process.env, ...podmanVars },
      encoding: "utf8",
    });
    expect(ps.trim()).toBe("");
    expect("error" in (await get(proxyPort))).toBe(true);
    const status = await cli(["status", "--json"]);
    expect(JSON.parse(status.stdout.trim().split("\n").pop() as string).result).toMatchObject({
      serving: 3,
      healthy: false,
      stopped: true,
    });
  }, 120_000);

  it("refuses a server whose key changed, whatever flag is given", async () => {
    execFileSync(sshdScript, ["rekey", sshdDir]);
    const newFingerprint = sshdFingerprint(sshdDir);
    const result = await cli(["status", "--accept-host-key", newFingerprint]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("HOST_KEY_MISMATCH");
    expect(result.stderr).toContain(fingerprint);
  }, 60_000);
});
