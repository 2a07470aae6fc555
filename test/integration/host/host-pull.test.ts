/*
 * The host target pulling the app's image from a registry on the server (targets.<t>.imageTransfer),
 * real parts only: the CLI in process, a real sshd on 127.0.0.1, Podman on the "server" (this
 * machine, with its own image storage, so nothing the deploying side has is there), Caddy, and
 * go-containerregistry's registry on a loopback port (plain HTTP, allowed by a registries.conf the
 * server's host.env names, written by `host setup --runtime-env`). The test image is busybox httpd,
 * built here, pushed to the registry and then removed from this machine, so only a pull can bring it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet as get, hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { busyboxBase, caddyImage, imageTestsUnavailable, startRegistry, type TestRegistry } from "../../helpers/podman.js";
import { runCli } from "../../helpers/run-cli.js";

const { skip, podmanVars } = hostTestNeeds("host pull", [imageTestsUnavailable()], { podman: false });

const app = "hostpull";
const repository = "slipway-test/host-pull-app";
let root = "";
let sshdDir = "";
let sshPort = "";
let fingerprint = "";
let proxyPort = 0;
let registry: TestRegistry | undefined;
/** The "server"'s Podman: the test configuration with its own image and container storage. */
let serverVars: Record<string, string> = {};
/** Pushed images: the registry reference by tag and its digest. */
const pushed: Record<string, { repo: string; digest: string }> = {};
const localRefs: string[] = [];

function podmanRun(args: string[], vars: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("podman", args, { env: { ...process.env, ...vars }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(args: string[], vars: Record<string, string>): string {
  const r = podmanRun(args, vars);
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** slipway.yaml with the registry's repository as the image and the given transfer mode. */
async function writeSpec(mode: "auto" | "pull" | "copy"): Promise<void> {
  const reg = registry as TestRegistry;
  await writeFile(
    join(root, "app", "slipway.yaml"),
    `name: ${app}
app:
  image: ${reg.host}/${repository}:v1
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
    dir: ${join(root, "srv")}
    proxy: { image: ${caddyImage(podmanVars)} }
    imageTransfer: ${mode}
`,
  );
}

/**
 * The CLI as a deploying machine would run it: this machine's Podman is the test configuration
 * (where the images were built and then removed), so `auto` asks it and finds nothing.
 */
const cli = (args: string[]) =>
  runCli([...args, "-f", join(root, "app", "slipway.yaml"), "-e", "production"], {
    cwd: join(root, "app"),
    env: { PATH: process.env.PATH ?? "", ...podmanVars },
  });

/** The NDJSON events and the final `{ok, …}` line of a `--json` run. */
function jsonLines(stdout: string): { events: Record<string, unknown>[]; last: Record<string, unknown> } {
  const lines = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { events: lines.slice(0, -1), last: lines.at(-1) ?? {} };
}

/** Builds a busybox httpd image answering `body`, pushes it to the registry and removes it here. */
function buildAndPush(base: string, tag: string, body: string): void {
  const reg = registry as TestRegistry;
  const local = `localhost/${repository}:${tag}-${process.pid}`;
  const context = join(root, `ctx-${tag}`);
  execFileSync("mkdir", ["-p", context]);
  execFileSync("sh", [
    "-c",
    `printf '%s\\n' 'FROM ${base}' 'RUN mkdir -p /www && echo ${body} > /www/index.html && echo ok > /www/health' 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]' > "$1/Containerfile"`,
    "sh",
    context,
  ]);
  localRefs.push(local);
  must(["build", "--quiet", "--network", "host", "-t", local, context], podmanVars);
  const remote = `${reg.host}/${repository}:${tag}`;
  must(["push", "--quiet", local, remote], { ...podmanVars, ...reg.env });
  pushed[tag] = { repo: `${reg.host}/${repository}`, digest: reg.digest(remote) };
  must(["rmi", "--force", local], podmanVars);
}

beforeAll(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostpull-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  registry = await startRegistry();
  const serverStorage = join(root, "server-storage");
  await mkdir(serverStorage, { recursive: true });
  await writeFile(
    join(serverStorage, "storage.conf"),
    `[storage]\ndriver = "overlay"\ngraphroot = "${serverStorage}/graph"\nrunroot = "${serverStorage}/run"\n`,
  );
  serverVars = { ...podmanVars, CONTAINERS_STORAGE_CONF: join(serverStorage, "storage.conf"), ...registry.env };
  const base = busyboxBase(podmanVars);
  buildAndPush(base, "v1", "pulled-v1");
  buildAndPush(base, "v2", "pulled-v2");
  proxyPort = freePort();
  await mkdir(join(root, "app"));
  await writeSpec("pull");
}, 240_000);

afterAll(async () => {
  if (skip) return;
  if (root !== "" && existsSync(join(root, "app", "slipway.yaml")))
    await cli(["down", "--accept-host-key", fingerprint]).catch(() => undefined);
  if (sshdDir !== "") stopSshd(sshdDir);
  for (const ref of localRefs) podmanRun(["rmi", "--force", ref], podmanVars);
  // The server's storage is this test's own: its containers and images removed (overlay mounts undone) before it is deleted.
  if (serverVars.CONTAINERS_STORAGE_CONF) {
    podmanRun(["rm", "--all", "--force"], serverVars);
    podmanRun(["rmi", "--all", "--force"], serverVars);
  }
  await registry?.stop();
  if (root !== "") await rm(root, { recursive: true, force: true });
}, 180_000);

describe.skipIf(skip)("host target: the app image pulled from a registry on the server", () => {
  it("host setup points the server's runtime at the registry through host.env; neither machine has the images", async () => {
    const runtimeEnv = Object.entries(serverVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
    const setup = await cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv]);
    expect(setup.code, setup.stderr + setup.stdout).toBe(0);
    const hostEnv = await readFile(join(root, "srv", "host.env"), "utf8");
    expect(hostEnv).toContain(`CONTAINERS_REGISTRIES_CONF=${registry?.env.CONTAINERS_REGISTRIES_CONF}`);
    // What host.env's registries.conf does: without it the server's Podman speaks HTTPS to the registry and fails.
    const { CONTAINERS_REGISTRIES_CONF: _, ...withoutConf } = serverVars;
    const bare = podmanRun(["pull", `${pushed.v1?.repo}@${pushed.v1?.digest}`], withoutConf);
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain("HTTP response to HTTPS client");
    for (const tag of ["v1", "v2"]) {
      const { repo, digest } = pushed[tag] as { repo: string; digest: string };
      expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(podmanRun(["image", "exists", `${repo}@${digest}`], podmanVars).status, `${tag} here`).toBe(1);
      expect(podmanRun(["image", "exists", `${repo}:${tag}`], podmanVars).status, `${tag} here`).toBe(1);
      expect(podmanRun(["image", "exists", `${repo}@${digest}`], serverVars).status, `${tag} on the server`).toBe(1);
    }
  }, 120_000);

  it("imageTransfer: pull deploys repo@sha256:… by pulling it on the server; the container runs that digest behind Caddy", async () => {
    const { repo, digest } = pushed.v1 as { repo: string; digest: string };
    const ref = `${repo}@${digest}`;
    const deployed = await cli(["deploy", "--digest", digest, "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    const { events, last } = jsonLines(deployed.stdout);
    expect(last).toMatchObject({ ok: true });
    const logs = events.filter((e) => e.type === "log").map((e) => e.line);
    expect(logs).toContain(`pulling image ${ref} on the host`);
    expect(logs.filter((l) => String(l).startsWith("copying image"))).toEqual([]);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "pulled-v1\n" });
    // The server now has exactly that manifest, and the release's container runs it.
    expect(podmanRun(["image", "exists", ref], serverVars).status).toBe(0);
    const container = `slipway-${app}-production-r1-1`;
    const inspected = must(["inspect", "--format", "{{.ImageDigest}} {{.ImageName}}", container], serverVars).trim();
    expect(inspected).toBe(`${digest} ${ref}`);
    // Nothing came to this machine.
    expect(podmanRun(["image", "exists", ref], podmanVars).status).toBe(1);
  }, 240_000);

  it("a reference the registry does not have fails as image-pull with the registry's answer; the previous release keeps serving", async () => {
    const { repo } = pushed.v1 as { repo: string; digest: string };
    const absent = `sha256:${"0".repeat(63)}1`;
    const failed = await cli(["deploy", "--digest", absent, "--json"]);
    expect(failed.code).toBe(1);
    const { events, last } = jsonLines(failed.stdout);
    expect(last.ok).toBe(false);
    expect(events.filter((e) => e.type === "log").map((e) => e.line)).toContain(`pulling image ${repo}@${absent} on the host`);
    // The failure as the deploy reported it (the `failed` event) is the one history keeps.
    const reported = events.find((e) => e.type === "failed")?.failure;
    type Failure = { class: string; message: string; evidence: Record<string, unknown> };
    const history = await cli(["history", "--json"]);
    const { releases } = jsonLines(history.stdout).last.result as { releases: { revision: number; outcome: string; failure?: Failure }[] };
    const record = releases.find((r) => r.revision === 2);
    expect(record?.failure).toEqual(reported);
    expect(record?.outcome).toBe("failed");
    expect(record?.failure?.class).toBe("image-pull");
    expect(record?.failure?.message).toContain(`image ${repo}@${absent} could not be pulled on the host`);
    const tail = ((record?.failure?.evidence.logTail ?? []) as string[]).join("\n");
    // What a user reads (printed for the docs; the assertions follow).
    console.log(JSON.stringify(record?.failure, null, 2));
    // The registry's own answer, as Podman reports it.
    expect(tail).toMatch(/manifest unknown|not found/i);
    expect(record?.failure?.evidence.exitCode).not.toBe(0);
    expect(String(record?.failure?.evidence.detail)).toContain(`podman login --authfile FILE ${registry?.host}`);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "pulled-v1\n" });
    const status = JSON.parse((await cli(["status", "--json"])).stdout.trim().split("\n").pop() as string).result;
    expect(status).toMatchObject({ serving: 1, proxyServes: 1, healthy: true });
  }, 240_000);

  it("imageTransfer: auto pulls on the server what this machine does not have", async () => {
    await writeSpec("auto");
    const { repo, digest } = pushed.v2 as { repo: string; digest: string };
    const deployed = await cli(["deploy", "--digest", digest, "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    const logs = jsonLines(deployed.stdout)
      .events.filter((e) => e.type === "log")
      .map((e) => e.line);
    expect(logs).toContain(`pulling image ${repo}@${digest} on the host`);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "pulled-v2\n" });
    // A second deploy of the same digest finds it on the server: no pull, no copy.
    const again = await cli(["deploy", "--digest", digest, "--json"]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    const second = jsonLines(again.stdout)
      .events.filter((e) => e.type === "log")
      .map((e) => String(e.line));
    expect(second.filter((l) => l.startsWith("pulling image") || l.startsWith("copying image"))).toEqual([]);
  }, 240_000);
});
