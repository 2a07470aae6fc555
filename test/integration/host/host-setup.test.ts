/*
 * `slipway host setup` through the CLI (in process) against a real sshd on 127.0.0.1, with this
 * machine's Podman, Caddy and curl as the "server"'s: the first run creates the folders (0700) and
 * host.env, the second changes nothing, a removed folder and a loosened mode are put back, as root
 * --create-user makes a deploy user (removed again) owning them; a
 * runtime name the spec does not know, a runtime that is not installed, one that does not answer,
 * and a (stand-in) dockerd listening on TCP are refused with their codes.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { caddyImage } from "../../helpers/podman.js";
import { runCli } from "../../helpers/run-cli.js";

const { skip, podmanVars } = hostTestNeeds("host setup");

/** Standard folders without a `docker` program: the PATH under which docker is "not installed". */
const pathWithoutDocker = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].filter((d) => !existsSync(join(d, "docker"))).join(":");
/** Whether a Docker daemon answers here (then "not answering" cannot be shown). */
const dockerAnswers = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;
const dockerCli = spawnSync("sh", ["-c", "command -v docker"]).status === 0;

let root = "";
let sshdDir = "";
let sshPort = "";
let fingerprint = "";
let serverDir = "";
let proxyPort = 0;

const specFile = (name: string) => join(root, "app", name);

function spec(runtime: string): string {
  return `name: setupapp
app:
  image: localhost/slipway-test/setup:v1
  port: 8080
  health: /health
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:${sshPort}
    identity: ${join(sshdDir, "client_key")}
    runtime: ${runtime}
    dir: ${serverDir}
    port: ${proxyPort}
    proxy: { image: ${caddyImage(podmanVars)} }
`;
}

const cli = (args: string[], file = "slipway.yaml") =>
  runCli(["host", "setup", ...args, "-f", specFile(file), "-e", "production"], {
    cwd: join(root, "app"),
    env: { PATH: process.env.PATH ?? "" },
  });

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop() as string);
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

beforeAll(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostsetup-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  serverDir = join(root, "srv", "slipway");
  proxyPort = await new Promise<number>((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
  await mkdir(join(root, "app"), { recursive: true });
  await writeFile(specFile("slipway.yaml"), spec("podman"));
  await writeFile(specFile("docker.yaml"), spec("docker"));
  await writeFile(specFile("lxc.yaml"), spec("lxc"));
}, 60_000);

afterAll(async () => {
  if (skip) return;
  if (sshdDir !== "") stopSshd(sshdDir);
  // The proxy container setup started (in the local Podman, which is the "server"'s here).
  spawnSync("podman", ["rm", "--force", "--time", "1", "slipway-setupapp-production-proxy"], { env: { ...process.env, ...podmanVars } });
  await rm(root, { recursive: true, force: true });
}, 60_000);

describe.skipIf(skip)("slipway host setup over a real sshd", () => {
  const runtimeEnv = Object.entries(podmanVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);

  it("first run: creates the folders 0700 and host.env with the runtime settings, and says so", async () => {
    const migrateFile = "/proc/sys/net/ipv4/tcp_migrate_req";
    const migrateBefore = existsSync(migrateFile) ? (await readFile(migrateFile, "utf8")).trim() : undefined;
    const confBefore = existsSync("/etc/sysctl.d/60-slipway.conf");
    const result = await cli(["--accept-host-key", fingerprint, ...runtimeEnv]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    for (const dir of [serverDir, join(serverDir, "setupapp"), join(serverDir, "setupapp", "production")]) {
      expect(result.stdout).toContain(`changed: ${dir}: created (0700)`);
      expect(modeOf(dir)).toBe("700");
    }
    expect(result.stdout).toContain(`changed: ${join(serverDir, "host.env")}: written (0600)`);
    // The proxy runs from setup on: Caddy's container, answering 503 until a deploy routes to a release.
    expect(result.stdout).toContain(
      `changed: proxy container slipway-setupapp-production-proxy: started (${caddyImage(podmanVars)}, network host, port ${proxyPort})`,
    );
    const answer = spawnSync("curl", ["--silent", "--write-out", " %{http_code}", `http://127.0.0.1:${proxyPort}/`], { encoding: "utf8" });
    expect(answer.stdout).toBe("no release serves here yet\n 503");
    expect(result.stdout).not.toContain("nothing to change");
    const hostEnv = await readFile(join(serverDir, "host.env"), "utf8");
    for (const [k, v] of Object.entries(podmanVars)) expect(hostEnv).toContain(`\n${k}=${v}\n`);
    expect(modeOf(join(serverDir, "host.env"))).toBe("600");
    // The boot script, with host.env's settings in it; this machine has no systemd, so a note says what to run.
    const boot = join(serverDir, "setupapp", "production", "boot.sh");
    expect(result.stdout).toContain(`changed: ${boot}: written (0700): starts the environment again after a reboot`);
    expect(modeOf(boot)).toBe("700");
    for (const [k, v] of Object.entries(podmanVars)) expect(await readFile(boot, "utf8")).toContain(`${k}=${v}`);
    if (!existsSync("/run/systemd/system"))
      expect(result.stdout).toContain(`no systemd on the server: nothing runs ${boot} when it starts`);
    // As root on a kernel that has it: net.ipv4.tcp_migrate_req = 1, now and across reboots (said when it was not).
    if (migrateBefore !== undefined && process.getuid?.() === 0) {
      expect((await readFile(migrateFile, "utf8")).trim()).toBe("1");
      expect(await readFile("/etc/sysctl.d/60-slipway.conf", "utf8")).toContain("\nnet.ipv4.tcp_migrate_req = 1\n");
      const said = result.stdout.includes("changed: net.ipv4.tcp_migrate_req: 1 (now and in /etc/sysctl.d/60-slipway.conf)");
      expect(said).toBe(migrateBefore !== "1" || !confBefore);
    }
  }, 120_000);

  it("second run: nothing to change (human and --json), host.env untouched", async () => {
    const before = statSync(join(serverDir, "host.env")).mtimeMs;
    const human = await cli([]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("nothing to change");
    expect(human.stdout).not.toContain("changed:");
    const json = await cli(["--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(lastJson(json.stdout)).toMatchObject({ ok: true, result: { changed: false, changes: [], runtime: "podman" } });
    expect(statSync(join(serverDir, "host.env")).mtimeMs).toBe(before);
  }, 120_000);

  it("puts back a folder removed on the server and loosened modes (folder, host.env), and nothing else", async () => {
    await rm(join(serverDir, "setupapp", "production"), { recursive: true });
    await chmod(serverDir, 0o755);
    await chmod(join(serverDir, "host.env"), 0o644);
    const result = await cli(["--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(lastJson(result.stdout).result.changes).toEqual([
      `${serverDir}: mode 755 → 0700`,
      `${join(serverDir, "setupapp", "production")}: created (0700)`,
      `${join(serverDir, "host.env")}: mode 644 → 0600`,
      // Caddy's container ran over the removed folder: its socket was gone with it.
      "proxy container slipway-setupapp-production-proxy: replaced (it ran but did not answer on its admin socket)",
      `${join(serverDir, "setupapp", "production", "boot.sh")}: written (0700): starts the environment again after a reboot`,
    ]);
    expect(modeOf(join(serverDir, "host.env"))).toBe("600");
    expect(modeOf(serverDir)).toBe("700");
    expect(modeOf(join(serverDir, "setupapp", "production"))).toBe("700");
  }, 120_000);

  const asRoot = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v useradd && command -v userdel"]).status === 0;
  it.skipIf(!asRoot)(
    "--create-user as root: a user with no password and the identity's key, owning the folders; then nothing to change",
    async () => {
      // A throwaway user on this machine (the "server"), removed at the end.
      const user = `slw${process.pid}`;
      try {
        const result = await cli(["--create-user", user, "--json"]);
        expect(result.code, result.stderr + result.stdout).toBe(0);
        const changes: string[] = lastJson(result.stdout).result.changes;
        expect(changes[0]).toBe(`created the user ${user} (no password; key login only)`);
        expect(changes[1]).toBe(`authorized ${join(sshdDir, "client_key")}.pub for ${user}`);
        expect(changes).toContain(`${serverDir}: owner root → ${user}`);
        expect(changes).toContain(`${join(serverDir, "host.env")}: owner root → ${user}`);
        expect(execFileSync("getent", ["shadow", user], { encoding: "utf8" }).split(":")[1]).toBe("*");
        const home = execFileSync("getent", ["passwd", user], { encoding: "utf8" }).split(":")[5] as string;
        const key = (await readFile(join(sshdDir, "client_key.pub"), "utf8")).trim();
        expect((await readFile(join(home, ".ssh", "authorized_keys"), "utf8")).trim()).toBe(key);
        expect(modeOf(join(home, ".ssh", "authorized_keys"))).toBe("600");
        const again = await cli(["--create-user", user]);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toContain("nothing to change");
      } finally {
        spawnSync("userdel", ["-r", user], { stdio: "ignore" });
        spawnSync("chown", ["-R", "root:", serverDir], { stdio: "ignore" });
      }
    },
    120_000,
  );

  it("refuses a runtime name the spec does not know, before connecting", async () => {
    const result = await cli([], "lxc.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SPEC_/);
    expect(result.stderr).toContain("runtime");
  }, 60_000);

  it("refuses a runtime that is not installed, printing the command that installs it", async () => {
    const result = await cli(["--runtime-env", `PATH=${pathWithoutDocker}`], "docker.yaml");
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toContain("HOST_PACKAGES_MISSING");
    expect(result.stderr).toContain("not installed on the server: docker.io");
    expect(result.stderr).toContain("apt-get install -y docker.io");
    // Refused before changing anything: host.env still has no PATH.
    expect(await readFile(join(serverDir, "host.env"), "utf8")).not.toContain("PATH=");
  }, 60_000);

  it.skipIf(!dockerCli || dockerAnswers)(
    "refuses a runtime that is installed but does not answer",
    async () => {
      const result = await cli([], "docker.yaml");
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr).toContain("HOST_RUNTIME_NOT_ANSWERING");
      expect(result.stderr).toContain("`docker info` exited");
    },
    60_000,
  );

  it("refuses a server where a dockerd listens on TCP", async () => {
    // A stand-in process whose name is dockerd and whose arguments open the API on TCP: what the
    // probe reads from /proc (a real dockerd would also change this machine's network).
    const bin = join(root, "fake-bin");
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, "dockerd"), "#!/bin/sh\nsleep 120\n", { mode: 0o755 });
    const fake: ChildProcess = spawn(join(bin, "dockerd"), ["-H", "fd://", "-H", "tcp://0.0.0.0:2375"], { stdio: "ignore" });
    try {
      const result = await cli([], "docker.yaml");
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr).toContain("HOST_RUNTIME_EXPOSED");
      expect(result.stderr).toContain("-H tcp://0.0.0.0:2375");
      // With Podman as the runtime it is a warning, and setup goes on.
      const podmanRun = await cli([]);
      expect(podmanRun.code, podmanRun.stderr).toBe(0);
      expect(podmanRun.stdout).toContain("warning: dockerd runs with `-H tcp://0.0.0.0:2375`");
    } finally {
      fake.kill("SIGKILL");
    }
  }, 60_000);
});
