/*
 * `kill -9` of the real CLI (`node dist/bundle/bin.js deploy`) to a `host` environment at each phase,
 * and two deploys started at once. Real parts only: sshd on 127.0.0.1 (test/runtime/sshd.sh), Podman
 * on the "server" with its own image storage (so every deploy copies its image with `save | load`),
 * Caddy as the proxy. The phase is read from the deploy's --json events on stdout, never guessed by
 * sleeping. After each kill the proxy still answers at once (the previous release before the switch,
 * the new one after), and the next deploy, unattended (CI=true, no stdin, no flags but --json), takes
 * over the dead deploy's lock and succeeds; a request loop through the proxy sees no failure.
 *
 * Needs `npm run build` first (the built CLI is what runs).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpGet as get, hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { busyboxBase, caddyImage } from "../../helpers/podman.js";
import { bin, eventually, finished, type Run, slipway, start } from "../deploy/local-harness.js";

const { skip, podmanVars } = hostTestNeeds("host kill", [existsSync(bin) ? undefined : "the built CLI (npm run build)"]);

let root = "";
let app = "";
let sshdDir = "";
let fingerprint = "";
let proxyPort = 0;
let serverVars: Record<string, string> = {};
const imageName = "localhost/slipway-test/host-kill-app";
let tags = 0;

function podmanRun(args: string[], vars: Record<string, string>): string {
  const r = spawnSync("podman", args, { env: { ...process.env, ...vars }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A request loop through the proxy until stopped: every answer that is not a 200 counts as failed. */
function load(port: number) {
  let running = true;
  const results = { ok: 0, failed: [] as string[] };
  const loop = (async () => {
    while (running) {
      const r = await get(port);
      if ("error" in r) results.failed.push(r.error);
      else if (r.status !== 200) results.failed.push(`${r.status} ${r.body.trim()}`);
      else results.ok++;
      await new Promise((w) => setTimeout(w, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return results;
    },
  };
}

/** A new tag of the app image (the server lacks it, so the deploy copies it), written into slipway.yaml. */
async function nextImage(): Promise<string> {
  tags += 1;
  const ref = `${imageName}:t${tags}`;
  podmanRun(["tag", `${imageName}:base`, ref], podmanVars);
  await writeFile(
    join(app, "slipway.yaml"),
    `name: killapp
app:
  image: ${ref}
  port: 8080
  health: /health
  scale: { min: 1, max: 1 }
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:${execFileSync("cat", [join(sshdDir, "port")], { encoding: "utf8" }).trim()}
    identity: ${join(sshdDir, "client_key")}
    port: ${proxyPort}
    dir: ${join(root, "srv")}
    proxy: { image: ${caddyImage(podmanVars)} }
`,
  );
  return ref;
}

/** The CLI as CI runs it: no terminal, no stdin, CI=true (and this machine's Podman settings, for `podman save`). */
const ciEnv = () => ({ CI: "true", ...podmanVars });
const deployArgs = ["deploy", "-e", "production", "--json"];

const served = async () => {
  const r = await get(proxyPort);
  return "error" in r ? r.error : `${r.status} ${r.body.trim()}`;
};

beforeAll(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hostkill-"));
  app = join(root, "app");
  await mkdir(app);
  sshdDir = join(root, "sshd");
  fingerprint = startSshd(sshdDir).fingerprint;
  const serverStorage = join(root, "server-storage");
  await mkdir(serverStorage);
  await writeFile(
    join(serverStorage, "storage.conf"),
    `[storage]\ndriver = "overlay"\ngraphroot = "${serverStorage}/graph"\nrunroot = "${serverStorage}/run"\n`,
  );
  serverVars = { ...podmanVars, CONTAINERS_STORAGE_CONF: join(serverStorage, "storage.conf") };
  const context = join(root, "ctx");
  await mkdir(context);
  // Answers its own revision at /, so a test tells the previous release from the new one.
  await writeFile(
    join(context, "Containerfile"),
    `FROM ${busyboxBase(podmanVars)}\nCMD ["sh", "-c", "mkdir -p /tmp/www && echo ok > /tmp/www/health && echo r$SLIPWAY_REVISION > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]\n`,
  );
  podmanRun(["build", "--quiet", "--network", "host", "-t", `${imageName}:base`, context], podmanVars);
  proxyPort = freePort();
  await nextImage();
  const runtimeEnv = Object.entries(serverVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
  const setup = await slipway(app, ["host", "setup", "-e", "production", "--accept-host-key", fingerprint, ...runtimeEnv], ciEnv());
  expect(setup.code, setup.stderr + setup.stdout).toBe(0);
  const first = await slipway(app, deployArgs, ciEnv());
  expect(first.code, first.stderr + first.stdout).toBe(0);
  expect(await served()).toBe("200 r1");
}, 240_000);

afterAll(async () => {
  if (skip) return;
  await slipway(app, ["down", "-e", "production"], ciEnv()).catch(() => undefined);
  if (sshdDir !== "") stopSshd(sshdDir);
  for (let i = 1; i <= tags; i++) spawnSync("podman", ["rmi", "--force", `${imageName}:t${i}`], { env: { ...process.env, ...podmanVars } });
  spawnSync("podman", ["rmi", "--force", `${imageName}:base`], { env: { ...process.env, ...podmanVars } });
  // The server's storage is this test's own: its containers and images go before the folder does.
  if (serverVars.CONTAINERS_STORAGE_CONF) {
    spawnSync("podman", ["rm", "--all", "--force"], { env: { ...process.env, ...serverVars } });
    spawnSync("podman", ["rmi", "--all", "--force"], { env: { ...process.env, ...serverVars } });
  }
  await rm(root, { recursive: true, force: true });
}, 180_000);

/** What the deploy printed that marks the moment to kill it (an NDJSON event on stdout). */
const moments: { name: string; marker: string; switched: boolean | undefined }[] = [
  { name: "right after the lock is taken", marker: '"type":"phase-finished","phase":"lock"', switched: false },
  { name: "while the image is copied to the server", marker: "copying image", switched: false },
  { name: "while the new container starts", marker: '"type":"phase-started","phase":"start"', switched: false },
  { name: "during the health gate", marker: '"type":"phase-started","phase":"health"', switched: false },
  // The switch is one admin call: the kill may land before or after Caddy applied it.
  { name: "at the switch", marker: '"type":"phase-started","phase":"switch"', switched: undefined },
  { name: "right after the switch", marker: '"type":"phase-started","phase":"record"', switched: true },
  { name: "during the drain", marker: '"type":"phase-started","phase":"drain"', switched: true },
  { name: "while the old release is waited on to drain", marker: "draining revision", switched: true },
  { name: "while the old release's container stops", marker: "stopping revision", switched: true },
  { name: "at the prune", marker: '"type":"phase-started","phase":"prune"', switched: true },
];

describe.skipIf(skip)("kill -9 of a host deploy at each phase, then an unattended deploy", () => {
  for (const moment of moments) {
    it(`killed ${moment.name}: the proxy still serves, the next deploy takes over the lock and succeeds`, async () => {
      const before = await served();
      expect(before).toMatch(/^200 r\d+$/);
      const traffic = load(proxyPort);
      await nextImage();
      const child = start(app, deployArgs, ciEnv());
      try {
        await eventually(
          `"${moment.marker}" on the deploy's stdout`,
          async () => (child.out.stdout.includes(moment.marker) ? true : undefined),
          150_000,
        );
      } catch (error) {
        child.kill("SIGKILL");
        throw new Error(`${(error as Error).message}\nstdout: ${child.out.stdout}\nstderr: ${child.out.stderr}`);
      }
      child.kill("SIGKILL");
      const killed = await finished(child);
      expect(killed.code).toBeNull();
      const revision = (killed.events.find((e) => e.type === "deploy-started") as { revision?: number } | undefined)?.revision;

      // At once, through the proxy: the previous release before the switch, the new one after it.
      const now = await served();
      if (moment.switched === false) expect(now).toBe(before);
      else if (moment.switched === true) expect(now).toBe(`200 r${revision}`);
      else expect([before, `200 r${revision}`]).toContain(now);

      await nextImage();
      const next: Run = await slipway(app, deployArgs, ciEnv());
      const summary = await traffic.stop();
      expect(next.code, next.stderr + next.stdout).toBe(0);
      // The dead deploy's lock was taken over, not waited out (60 s) or removed by hand.
      expect(
        next.events.some((e) => e.type === "recovered" && String(e.action).includes("took over the lock")),
        next.stdout,
      ).toBe(true);
      const deployed = next.final?.result as { revision: number } | undefined;
      expect(await served()).toBe(`200 r${deployed?.revision}`);
      // What the killed deploy left is resolved: its release is recorded, never left in progress.
      const history = await slipway(app, ["history", "-e", "production", "--json"], ciEnv());
      const releases = (history.final?.result as { releases?: { revision: number; outcome: string }[] } | undefined)?.releases ?? [];
      if (revision !== undefined) {
        const record = releases.find((r) => r.revision === revision);
        // A pruned record is fine too; an in-progress one is not.
        if (record) expect(record.outcome).toBe(moment.switched === false ? "interrupted" : record.outcome);
        expect(record?.outcome).not.toBe("in-progress");
        if (moment.switched === true && record) expect(record.outcome).toBe("succeeded");
      }
      // Only the serving release's container runs on the server.
      const running = podmanRun(
        [
          "ps",
          "--filter",
          "label=dev.slipway.app=killapp",
          "--filter",
          "label=dev.slipway.environment=production",
          "--format",
          "{{.Names}}",
        ],
        serverVars,
      )
        .trim()
        .split("\n")
        .filter(Boolean);
      expect(running).toEqual([`slipway-killapp-production-r${deployed?.revision}-1`]);
      expect(summary.failed, JSON.stringify(summary.failed.slice(0, 5))).toEqual([]);
      expect(summary.ok).toBeGreaterThan(0);
    }, 300_000);
  }
});

describe.skipIf(skip)("two deploys of the same environment started at once", () => {
  it("exactly one deploys; the other fails at once with DEPLOY_LOCKED naming the holder; the site serves throughout", async () => {
    const traffic = load(proxyPort);
    await nextImage();
    const args = [...deployArgs, "--no-wait"];
    const [a, b] = [start(app, args, ciEnv()), start(app, args, ciEnv())];
    const runs = await Promise.all([finished(a), finished(b)]);
    const summary = await traffic.stop();
    const winner = runs.findIndex((r) => r.code === 0);
    expect(
      runs.map((r) => r.code),
      runs.map((r) => r.stdout + r.stderr).join("\n---\n"),
    ).toEqual(winner === 0 ? [0, 1] : [1, 0]);
    const loser = runs[1 - winner] as Run;
    const holderPid = (winner === 0 ? a : b).pid;
    expect(loser.final?.error).toMatchObject({ code: "DEPLOY_LOCKED" });
    expect(String(loser.final?.error?.message)).toContain(`pid ${holderPid} on `);
    expect(String(loser.final?.error?.message)).toContain("slipway deploy killapp -e production");
    // The refused deploy started nothing: no revision of its own.
    expect(loser.events.some((e) => e.type === "deploy-started")).toBe(false);
    const deployed = (runs[winner] as Run).final?.result as { revision: number };
    expect(await served()).toBe(`200 r${deployed.revision}`);
    expect(summary.failed, JSON.stringify(summary.failed.slice(0, 5))).toEqual([]);
    expect(summary.ok).toBeGreaterThan(0);
  }, 300_000);
});

describe.skipIf(skip || spawnSync("script", ["--version"]).status !== 0)("exec on the server", () => {
  const execArgs = (command: string) => `${process.execPath} ${bin} exec -e production -- sh -c '${command}'`;

  it("with a terminal here, the command gets one on the server (ssh -tt, exec --tty): a shell reads keys and answers", async () => {
    // util-linux `script` runs the CLI on a new pseudo-terminal and types the input into it.
    const r = spawnSync("script", ["-qec", `${process.execPath} ${bin} exec -e production -- sh`, "/dev/null"], {
      cwd: app,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...ciEnv() },
      input: "tty; echo marker-$((6*7)) $SLIPWAY_APP; exit 5\n",
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r?$/m);
    expect(r.stdout).toContain("marker-42 killapp");
    expect(r.status, r.stdout + r.stderr).toBe(5);
  }, 90_000);

  it("without a terminal, it stays a plain command: no terminal on the server, output and exit code come back", async () => {
    const r = spawnSync("sh", ["-c", `${execArgs("tty || echo no-terminal; exit 4")} </dev/null`], {
      cwd: app,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...ciEnv() },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stdout).toContain("not a tty");
    expect(r.stdout).toContain("no-terminal");
    expect(r.status, r.stderr).toBe(4);
  }, 90_000);
});
