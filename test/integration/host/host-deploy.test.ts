/*
 * The host target end to end with real parts only: a real sshd on 127.0.0.1 (test/runtime/sshd.sh),
 * the SSH Host with a pinned key, Podman on the "server" (this machine, with the test Podman
 * configuration of test/runtime/podman-env.sh but its own image storage, so every image the deploy
 * needs is copied there with `podman save | ssh … podman load`), Caddy from Debian's package as the
 * proxy, and app images built here from busybox-static (no registry). The deploy engine runs the target exactly as
 * the CLI does: boot beside, health gate, switch, drain, retire, rollback, lock and history on the host.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeployResult, deploy } from "../../../src/deploy/engine.js";
import { CollectingReporter } from "../../../src/deploy/events.js";
import { connectSshHost, type SshHost } from "../../../src/effects/ssh-host.js";
import type { AppModel } from "../../../src/model/app-model.js";
import type { ReleaseRecord } from "../../../src/model/release-record.js";
import { Redactor } from "../../../src/secrets/redact.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel, chooseEnvironment } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { hostHistory, hostLock } from "../../../src/targets/host/host-state.js";
import { containersOf, hostTarget } from "../../../src/targets/host/host-target.js";
import { downHostEnvironment, imageBringer, transferImage } from "../../../src/targets/host/session.js";
import { freePort, httpGet as get, hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { busyboxBase, caddyImage } from "../../helpers/podman.js";

const { skip, podmanVars } = hostTestNeeds("host target");

const hostPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The "server"'s Podman: the same configuration, another image and container storage (set in beforeAll). */
let serverVars: Record<string, string> = {};

/** Podman on this machine (where images are built), or with `serverVars` the server's. */
function podmanRun(args: string[], vars: Record<string, string> = podmanVars): string {
  const r = spawnSync("podman", args, { env: { ...process.env, ...vars }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** An app image: busybox httpd on :8080 serving `version` at / and /health; `crashes` exits 3 at boot after a line on stderr; `silent` runs but never listens. */
async function buildApp(dir: string, base: string, version: string, kind: "serves" | "crashes" | "silent" = "serves"): Promise<string> {
  const ref = `localhost/slipway-test/host-app:${version}`;
  const context = join(dir, `ctx-${version}`);
  execFileSync("mkdir", ["-p", context]);
  const cmd =
    kind === "crashes"
      ? `CMD ["sh", "-c", "echo boom: the release cannot start >&2; exit 3"]`
      : kind === "silent"
        ? `CMD ["sleep", "600"]`
        : `CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]`;
  await writeFile(
    join(context, "Containerfile"),
    `FROM ${base}\nRUN mkdir -p /www && echo ${version} > /www/index.html && echo ok > /www/health\n${cmd}\n`,
  );
  podmanRun(["build", "--quiet", "--network", "host", "-t", ref, "-f", join(context, "Containerfile"), context]);
  return ref;
}

/** One GET through the proxy on a fresh connection: the body, or the error. */

/** Requests from `workers` loops until stopped: every answer that is not a 200 counts as failed. */
function load(port: number, workers: number) {
  let running = true;
  const results = { ok: 0, failed: [] as string[], bodies: new Set<string>() };
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const r = await get(port);
      if ("error" in r) results.failed.push(r.error);
      else if (r.status !== 200) results.failed.push(`${r.status} ${r.body.trim()}`);
      else {
        results.ok++;
        results.bodies.add(r.body.trim());
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

let root = "";
let sshdDir = "";
let ssh: SshHost | undefined;
const images: Record<string, string> = {};
let proxyPort = 0;
let stateDir = "";

function modelFor(image: string, health = "/health"): AppModel {
  const text = `name: hostapp
app:
  image: ${image}
  port: 8080
  health: ${health}
  scale: { min: 2, max: 2 }
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:22
    port: ${proxyPort}
    dir: ${stateDir}
`;
  const validated = validateSpec(parseSpecText(text, join(root, "slipway.yaml")));
  return buildModel(validated, chooseEnvironment(validated, "production"));
}

function targetFor(host: SshHost, model: AppModel, redactor: Redactor) {
  return hostTarget({
    app: model.name,
    environment: model.environment,
    host,
    runtime: "podman",
    hostEnv: { PATH: hostPath, ...serverVars },
    stateDir: join(stateDir, model.name, model.environment),
    listen: `127.0.0.1:${proxyPort}`,
    publicUrl: `http://127.0.0.1:${proxyPort}/`,
    secrets: { API_TOKEN: "s3cr3t-token-value" },
    redactor,
    healthTimeoutMs: 20_000,
    transferImage: transferImage(host, "podman", { PATH: hostPath, ...serverVars }, { ...process.env, ...podmanVars }),
    proxyImage: caddyImage(podmanVars),
    bringProxyImage: imageBringer(host, "podman", { PATH: hostPath, ...serverVars }, { ...process.env, ...podmanVars }),
  });
}

async function deployImage(
  image: string,
  reporter = new CollectingReporter(),
  health = "/health",
): Promise<{ result: DeployResult; reporter: CollectingReporter }> {
  const host = ssh as SshHost;
  const model = modelFor(image, health);
  const redactor = new Redactor();
  const envDir = join(stateDir, model.name, model.environment);
  const result = await deploy({
    model,
    target: targetFor(host, model, redactor),
    history: hostHistory(host, join(envDir, "history")),
    lock: hostLock(host, join(envDir, "lock.json")),
    reporter,
    specHash: "test",
    git: undefined,
    who: { user: "test", host: "test", pid: process.pid },
    secrets: { names: ["API_TOKEN"] },
    waitForLock: true,
    lockTimeoutMs: 60_000,
    keepReleases: 2,
    redactor,
  });
  return { result, reporter };
}

beforeAll(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostdeploy-"));
  stateDir = join(root, "srv");
  sshdDir = join(root, "sshd");
  const { port, fingerprint } = startSshd(sshdDir);
  ssh = await connectSshHost({
    destination: `root@127.0.0.1:${port}`,
    identityFile: join(sshdDir, "client_key"),
    knownHostsFile: join(root, "known_hosts"),
    acceptHostKey: fingerprint as string,
  });
  const serverStorage = join(root, "server-storage");
  execFileSync("mkdir", ["-p", serverStorage]);
  await writeFile(
    join(serverStorage, "storage.conf"),
    `[storage]\ndriver = "overlay"\ngraphroot = "${serverStorage}/graph"\nrunroot = "${serverStorage}/run"\n`,
  );
  serverVars = { ...podmanVars, CONTAINERS_STORAGE_CONF: join(serverStorage, "storage.conf") };
  const base = busyboxBase(podmanVars);
  images.v1 = await buildApp(root, base, "v1");
  images.v2 = await buildApp(root, base, "v2");
  images.crash = await buildApp(root, base, "crash", "crashes");
  images.silent = await buildApp(root, base, "silent", "silent");
  proxyPort = freePort();
}, 180_000);

afterAll(async () => {
  if (skip) return;
  // Whatever a failed test left: the environment's containers and the proxy.
  if (ssh) {
    const model = modelFor(images.v1 ?? "localhost/x:1");
    await downHostEnvironment(targetFor(ssh, model, new Redactor()), model).catch(() => undefined);
    await ssh.close();
  }
  if (sshdDir !== "") stopSshd(sshdDir);
  for (const ref of Object.values(images)) spawnSync("podman", ["rmi", "--force", ref], { env: { ...process.env, ...podmanVars } });
  // The server's storage is the test's own: its containers and images removed (overlay mounts undone) before it is deleted.
  if (serverVars.CONTAINERS_STORAGE_CONF) {
    spawnSync("podman", ["rm", "--all", "--force"], { env: { ...process.env, ...serverVars } });
    spawnSync("podman", ["rmi", "--all", "--force"], { env: { ...process.env, ...serverVars } });
  }
  await rm(root, { recursive: true, force: true });
}, 120_000);

describe.skipIf(skip)("host target over SSH with Podman and Caddy", () => {
  it("deploys a release as containers behind Caddy; the container's env comes from a 0600 file, never a command line", async () => {
    const { result, reporter } = await deployImage(images.v1 as string);
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    expect(result).toMatchObject({ ok: true, revision: 1, serving: 1 });
    expect(await get(proxyPort)).toEqual({ status: 200, body: "v1\n" });
    // Two containers published on loopback ports, both running.
    const host = ssh as SshHost;
    const records = await hostHistory(host, join(stateDir, "hostapp", "production", "history")).list();
    const containers = containersOf(records[0]?.runtime);
    expect(containers).toHaveLength(2);
    const ps = podmanRun(["ps", "--filter", "label=dev.slipway.app=hostapp", "--format", "{{.Names}} {{.Ports}}"], serverVars);
    for (const c of containers) expect(ps).toContain(`${c.name} 127.0.0.1:${c.port}->8080/tcp`);
    // The secret is in the env file (mode 0600) and in the container, not in anything reported.
    const envFile = join(stateDir, "hostapp", "production", "releases", "1", "app.env");
    expect(execFileSync("stat", ["-c", "%a", envFile], { encoding: "utf8" }).trim()).toBe("600");
    expect(podmanRun(["exec", containers[0]?.name as string, "sh", "-c", 'echo "$API_TOKEN"'], serverVars).trim()).toBe(
      "s3cr3t-token-value",
    );
    // The image was not on the server: the deploy copied it (save | ssh load).
    expect(reporter.events).toContainEqual(
      expect.objectContaining({ type: "log", line: `copying image ${images.v1} to the host (save | load)` }),
    );
    expect(podmanRun(["image", "exists", images.v1 as string], serverVars)).toBe("");
    expect(JSON.stringify(reporter.events)).not.toContain("s3cr3t-token-value");
    expect(JSON.stringify(records)).not.toContain("s3cr3t-token-value");
    // Where the time went (printed for the docs; never asserted).
    console.log(reporter.events.flatMap((e) => (e.type === "phase-finished" ? [`${e.phase} ${e.durationMs} ms`] : [])).join(", "));
  }, 120_000);

  it("switches to a second release with no failed request under concurrent load, then stops the old containers", async () => {
    const traffic = load(proxyPort, 4);
    await new Promise((r) => setTimeout(r, 500));
    const { result } = await deployImage(images.v2 as string);
    await new Promise((r) => setTimeout(r, 500));
    const seen = await traffic.stop();
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    expect(result).toMatchObject({ ok: true, revision: 2, serving: 2 });
    expect(seen.failed).toEqual([]);
    expect(seen.ok).toBeGreaterThan(10);
    expect([...seen.bodies].sort()).toEqual(["v1", "v2"]);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "v2\n" });
    const running = podmanRun(
      ["ps", "--filter", "label=dev.slipway.app=hostapp", "--filter", "label=dev.slipway.environment=production", "--format", "{{.Names}}"],
      serverVars,
    )
      .trim()
      .split("\n")
      .sort();
    expect(running).toEqual(["slipway-hostapp-production-r2-1", "slipway-hostapp-production-r2-2"]);
  }, 180_000);

  it("rolls back a release that crashes at boot, with its exit code and output as evidence, while the old one keeps serving", async () => {
    const traffic = load(proxyPort, 2);
    const { result, reporter } = await deployImage(images.crash as string);
    const seen = await traffic.stop();
    expect(result.ok).toBe(false);
    expect(result.serving).toBe(2);
    expect(result.failure?.class).toBe("process-exited");
    expect(result.failure?.evidence.exitCode).toBe(3);
    expect(result.failure?.evidence.logTail?.join("\n")).toContain("boom: the release cannot start");
    expect(reporter.events.some((e) => e.type === "rolled-back" && e.to === 2)).toBe(true);
    expect(seen.failed).toEqual([]);
    expect([...seen.bodies]).toEqual(["v2"]);
    expect(await get(proxyPort)).toEqual({ status: 200, body: "v2\n" });
    const record = await hostHistory(ssh as SshHost, join(stateDir, "hostapp", "production", "history")).get(3);
    expect(record).toMatchObject({ outcome: "failed", failure: { class: "process-exited" } });
  }, 180_000);

  it("fails a release whose health path answers an HTTP error (health-failed) or whose port never opens (port-never-opened); the old one serves", async () => {
    const unhealthy = await deployImage(images.v1 as string, new CollectingReporter(), "/no-such-health-path");
    expect(unhealthy.result).toMatchObject({ ok: false, serving: 2, failure: { class: "health-failed", evidence: { httpStatus: 404 } } });
    expect(unhealthy.result.failure?.message).toContain("/no-such-health-path answered 404");
    const silent = await deployImage(images.silent as string);
    expect(silent.result).toMatchObject({ ok: false, serving: 2, failure: { class: "port-never-opened" } });
    expect(silent.result.failure?.message).toContain("nothing answered on port 8080 of the container within 20 s");
    expect(await get(proxyPort)).toEqual({ status: 200, body: "v2\n" });
    // The failed releases' containers were stopped (abandoned), the serving ones run.
    const running = podmanRun(
      ["ps", "--filter", "label=dev.slipway.app=hostapp", "--filter", "label=dev.slipway.environment=production", "--format", "{{.Names}}"],
      serverVars,
    )
      .trim()
      .split("\n")
      .sort();
    expect(running).toEqual(["slipway-hostapp-production-r2-1", "slipway-hostapp-production-r2-2"]);
  }, 240_000);

  it("refuses an image that is on neither machine as image-pull, and the serving release stays", async () => {
    const { result } = await deployImage("localhost/slipway-test/host-app:never-built");
    expect(result).toMatchObject({ ok: false, serving: 2, failure: { class: "image-pull" } });
    expect(await get(proxyPort)).toEqual({ status: 200, body: "v2\n" });
  }, 120_000);

  it("resolves what a killed deploy left (its lock, an in-progress record, a started container) on the next unattended deploy", async () => {
    const host = ssh as SshHost;
    const envDir = join(stateDir, "hostapp", "production");
    const history = hostHistory(host, join(envDir, "history"));
    // The state `kill -9` of a deploy leaves after its start phase: lock held by a pid that is gone,
    // the record in progress, the new release's container running but never routed to.
    const revision = await history.nextRevision();
    const name = `slipway-hostapp-production-r${revision}-1`;
    const deadPid = Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim());
    const now = new Date().toISOString();
    await host.writeFileAtomic(
      join(envDir, "lock.json"),
      JSON.stringify({
        pid: deadPid,
        host: hostname(),
        user: "test",
        command: "slipway deploy (killed)",
        acquiredAt: now,
        heartbeatAt: now,
        startTime: "1",
      }),
      0o600,
    );
    podmanRun(
      [
        "run",
        "--detach",
        "--init",
        "--name",
        name,
        "--label",
        "dev.slipway.app=hostapp",
        "--label",
        "dev.slipway.environment=production",
        "--label",
        `dev.slipway.revision=${revision}`,
        images.v1 as string,
        "httpd",
        "-f",
        "-p",
        "8080",
        "-h",
        "/www",
      ],
      serverVars,
    );
    const previous = (await history.list()).find((r) => r.revision === revision - 1) as ReleaseRecord;
    await history.put({
      ...previous,
      revision,
      outcome: "in-progress",
      failure: undefined,
      finishedAt: undefined,
      runtime: { containers: [{ name, port: 1 }] },
    });

    const { result, reporter } = await deployImage(images.v1 as string);
    expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
    expect(result).toMatchObject({ ok: true, revision: revision + 1, serving: revision + 1 });
    const recovered = reporter.events.flatMap((e) => (e.type === "recovered" ? [e.action] : []));
    expect(recovered).toContain(`took over the lock of pid ${deadPid}, which is gone`);
    expect(recovered).toContain("marked an interrupted release (it never served) as interrupted");
    expect(recovered).toContain(`stopped container ${name}, which does not serve`);
    expect(await history.get(revision)).toMatchObject({ outcome: "interrupted" });
    expect(await get(proxyPort)).toEqual({ status: 200, body: "v1\n" });
  }, 180_000);

  it("ten deploys in a row under 4 request loops: every one switches and drains with 0 failed requests", async () => {
    const traffic = load(proxyPort, 4);
    const served: string[] = [];
    for (let i = 0; i < 10; i++) {
      const tag = i % 2 === 0 ? "v2" : "v1";
      const { result } = await deployImage(images[tag] as string);
      expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
      expect(result.ok).toBe(true);
      const answer = await get(proxyPort);
      served.push("body" in answer ? answer.body.trim() : answer.error);
    }
    const seen = await traffic.stop();
    expect(seen.failed.slice(0, 5)).toEqual([]);
    expect(seen.failed).toHaveLength(0);
    expect(seen.ok).toBeGreaterThan(100);
    expect(served).toEqual(["v2", "v1", "v2", "v1", "v2", "v1", "v2", "v1", "v2", "v1"]);
    // What serves is where the proxy's link points: the last release.
    const proxyDir = join(stateDir, "hostapp", "production", "proxy");
    expect(readlinkSync(join(proxyDir, "current"))).toMatch(/^releases\/r\d+$/);
  }, 600_000);

  it("down stops the proxy and every container of the environment: nothing is left running", async () => {
    const model = modelFor(images.v2 as string);
    const stopped = await downHostEnvironment(targetFor(ssh as SshHost, model, new Redactor()), model);
    expect(stopped).toContain("proxy");
    expect(podmanRun(["ps", "--filter", "label=dev.slipway.app=hostapp", "--format", "{{.Names}}"], serverVars).trim()).toBe("");
    expect(spawnSync("pgrep", ["-f", `caddy run --config ${stateDir}`]).status).toBe(1);
    expect("error" in (await get(proxyPort))).toBe(true);
  }, 120_000);
});
