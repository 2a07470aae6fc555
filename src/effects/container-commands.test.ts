import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Confinement,
  confinementArgs,
  containerName,
  cpuQuota,
  envFileText,
  execArgv,
  imageIdArgv,
  isNoSuchContainer,
  listArgv,
  loadArgv,
  logsArgv,
  memoryFlag,
  parseState,
  pullArgv,
  removeArgv,
  runArgv,
  runOnceArgv,
  saveArgv,
  stateArgv,
  stopArgv,
} from "./container-commands.js";

const confinement: Confinement = { user: 10001, group: 10002, memory: "256Mi", cpu: "500m" };
const podmanConfinement = [
  "--user",
  "10001:10002",
  "--read-only",
  "--tmpfs",
  "/tmp:rw,size=256m,U",
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges",
  "--memory",
  "256m",
  "--cpu-period",
  "100000",
  "--cpu-quota",
  "50000",
];

describe("a release's confinement: the pods' securityContext and limits as runtime flags", () => {
  it("non-root user, read-only root with the user's own /tmp, no capability, no escalation, the limits", () => {
    expect(confinementArgs("podman", confinement)).toEqual(podmanConfinement);
    // Docker honours a tmpfs mode (Podman 4.3 does not; its U gives the mount to the user).
    const docker = confinementArgs("docker", confinement);
    expect(docker[docker.indexOf("--tmpfs") + 1]).toBe("/tmp:rw,size=256m,mode=1777");
  });

  it("Kubernetes memory quantities as --memory (binary units as k/m/g/t, decimal ones and plain numbers as bytes)", () => {
    expect(memoryFlag("256Mi")).toBe("256m");
    expect(memoryFlag("2Gi")).toBe("2g");
    expect(memoryFlag("512Ki")).toBe("512k");
    expect(memoryFlag("1Ti")).toBe("1t");
    expect(memoryFlag("500M")).toBe("500000000b");
    expect(memoryFlag("1G")).toBe("1000000000b");
    expect(memoryFlag("134217728")).toBe("134217728b");
    expect(() => memoryFlag("1.5Gi")).toThrow(/not a memory quantity/);
  });

  it("Kubernetes CPU quantities as a CFS quota per 100 ms (never --cpus, which Docker refuses above the server's CPUs)", () => {
    expect(cpuQuota("500m")).toBe(50_000);
    expect(cpuQuota("1")).toBe(100_000);
    expect(cpuQuota("1.5")).toBe(150_000);
    expect(cpuQuota("4")).toBe(400_000);
    expect(cpuQuota("1m")).toBe(1000);
    expect(() => cpuQuota("lots")).toThrow(/not a CPU quantity/);
  });
});

describe("container runtime commands", () => {
  it("runs a release container detached with an init, sorted labels, an env file and a loopback-only published port", () => {
    expect(
      runArgv("podman", {
        name: "slipway-shop-production-r3-1",
        image: "localhost/shop:v3",
        labels: { "dev.slipway.revision": "3", "dev.slipway.app": "shop", "dev.slipway.environment": "production" },
        envFile: "/var/lib/slipway/shop/production/releases/3/app.env",
        hostPort: 24001,
        containerPort: 8080,
        command: ["bin/server", "--port", "8080"],
        confinement,
      }),
    ).toEqual([
      "podman",
      "run",
      "--detach",
      "--init",
      "--name",
      "slipway-shop-production-r3-1",
      "--label",
      "dev.slipway.app=shop",
      "--label",
      "dev.slipway.environment=production",
      "--label",
      "dev.slipway.revision=3",
      "--env-file",
      "/var/lib/slipway/shop/production/releases/3/app.env",
      "--network",
      "bridge",
      "--publish",
      "127.0.0.1:24001:8080",
      ...podmanConfinement,
      "localhost/shop:v3",
      "bin/server",
      "--port",
      "8080",
    ]);
    // Without app.command the image's own command runs.
    expect(
      runArgv("docker", { name: "n", image: "i:1", labels: {}, envFile: "/e", hostPort: 1, containerPort: 2, confinement }).at(-1),
    ).toBe("i:1");
  });

  it("builds the other commands as exact arrays for both runtimes", () => {
    expect(loadArgv("docker")).toEqual(["docker", "load"]);
    expect(saveArgv("podman", "localhost/shop:v3")).toEqual(["podman", "save", "localhost/shop:v3"]);
    expect(imageIdArgv("podman", "shop:1")).toEqual(["podman", "image", "inspect", "--format", "{{.Id}}", "shop:1"]);
    expect(pullArgv("podman", "docker.io/library/postgres:17")).toEqual(["podman", "pull", "docker.io/library/postgres:17"]);
    // A digest reference stays one word: the runtime fetches exactly that manifest.
    const pinned = "127.0.0.1:5000/shop@sha256:0d7e0bd5d4e7c8ac8a4a1b3c6b1f5e0f0a0b0c0d0e0f101112131415161718ff";
    expect(pullArgv("docker", pinned)).toEqual(["docker", "pull", pinned]);
    expect(stateArgv("docker", "c1")).toEqual(["docker", "inspect", "--format", "{{json .State}}", "c1"]);
    expect(logsArgv("podman", "c1", 50)).toEqual(["sh", "-c", 'exec "$@" 2>&1', "sh", "podman", "logs", "--tail", "50", "c1"]);
    expect(logsArgv("podman", "c1", -3.5, true)).toEqual([
      "sh",
      "-c",
      'exec "$@" 2>&1',
      "sh",
      "podman",
      "logs",
      "--tail",
      "0",
      "--follow",
      "c1",
    ]);
    expect(stopArgv("podman", "c1", 29.2)).toEqual(["podman", "stop", "--time", "30", "c1"]);
    expect(removeArgv("docker", "c1")).toEqual(["docker", "rm", "--force", "c1"]);
    expect(listArgv("podman", { b: "2", a: "1" })).toEqual([
      "podman",
      "ps",
      "--all",
      "--filter",
      "label=a=1",
      "--filter",
      "label=b=2",
      "--format",
      "{{.Names}}",
    ]);
    expect(execArgv("podman", "c1", ["bin/rails", "console"])).toEqual(["podman", "exec", "--interactive", "c1", "bin/rails", "console"]);
    expect(execArgv("docker", "c1", ["sh"], { tty: true })).toEqual(["docker", "exec", "--interactive", "--tty", "c1", "sh"]);
    expect(
      runOnceArgv("podman", { name: "m", image: "i:1", labels: { x: "y" }, envFile: "/e", command: ["migrate"], confinement }),
    ).toEqual([
      "podman",
      "run",
      "--rm",
      "--init",
      "--name",
      "m",
      "--label",
      "x=y",
      "--env-file",
      "/e",
      ...podmanConfinement,
      "i:1",
      "migrate",
    ]);
    // With a database accessory: the environment's network, so the command reaches it by name.
    expect(
      runOnceArgv("docker", {
        name: "m",
        image: "i:1",
        labels: {},
        envFile: "/e",
        command: ["migrate"],
        network: "slipway-shop-production",
        confinement,
      }),
    ).toEqual([
      "docker",
      "run",
      "--rm",
      "--init",
      "--name",
      "m",
      "--env-file",
      "/e",
      "--network",
      "slipway-shop-production",
      ...confinementArgs("docker", confinement),
      "i:1",
      "migrate",
    ]);
    expect(
      runArgv("podman", {
        name: "n",
        image: "i:1",
        labels: {},
        envFile: "/e",
        hostPort: 1,
        containerPort: 2,
        network: "slipway-shop-production",
        confinement,
      }).slice(-5 - podmanConfinement.length),
    ).toEqual(["--network", "slipway-shop-production", "--publish", "127.0.0.1:1:2", ...podmanConfinement, "i:1"]);
    expect(containerName("shop", "production", 12, 2)).toBe("slipway-shop-production-r12-2");
  });

  it("reads Podman's and Docker's container state and tells a missing container apart", () => {
    // As `podman inspect --format '{{json .State}}'` prints it (fields trimmed).
    expect(parseState('{"OciVersion":"1.0.2","Status":"exited","Running":false,"ExitCode":3,"OOMKilled":false,"Pid":0}\n')).toEqual({
      status: "exited",
      running: false,
      exitCode: 3,
      oomKilled: false,
    });
    expect(parseState('{"Status":"running","Running":true,"Paused":false,"OOMKilled":true,"ExitCode":0}')).toMatchObject({
      running: true,
      oomKilled: true,
    });
    // A runtime warning merged from stderr before or after the state is not the state.
    const warn = 'time="2026-12-07T10:33:08Z" level=warning msg="Failed to obtain lock, retrying"';
    expect(parseState(`${warn}\n{"Status":"running","Running":true,"ExitCode":0}`)).toMatchObject({ running: true });
    expect(parseState(`{"Status":"running","Running":true,"ExitCode":0}\n${warn}`)).toMatchObject({ running: true });
    expect(parseState("Error: no such container c1")).toBeUndefined();
    expect(parseState('{"Status":1}')).toBeUndefined();
    expect(isNoSuchContainer(['Error: no container with name or ID "c1" found: no such container'])).toBe(true);
    expect(isNoSuchContainer(["Error: No such container: c1"])).toBe(true);
    expect(isNoSuchContainer(["Error: permission denied"])).toBe(false);
  });

  it("writes an env file a line per variable, sorted, and refuses values with a line break by name only", () => {
    expect(envFileText({ PORT: "8080", API_TOKEN: "a=b c'd\"$e" })).toEqual({ text: "API_TOKEN=a=b c'd\"$e\nPORT=8080\n" });
    const refused = envFileText({ KEY: "-----BEGIN KEY-----\nabc\n-----END KEY-----", OK: "1", CR: "a\rb" });
    expect(refused).toEqual({ multiLine: ["CR", "KEY"] });
    expect(JSON.stringify(refused)).not.toContain("BEGIN");
  });

  it("reads a container's output as one stream in the order it was written, through a real sh", () => {
    // A stand-in for the runtime's `logs`: what a gunicorn writes, boot lines on stderr, access lines on stdout.
    const dir = mkdtempSync(join(tmpdir(), "slipway-logs-"));
    try {
      writeFileSync(
        join(dir, "podman"),
        '#!/bin/sh\necho "args: $*"\necho "[INFO] Listening at: http://0.0.0.0:8000" >&2\necho "GET /healthz 200"\necho "[INFO] Worker exiting" >&2\n',
      );
      chmodSync(join(dir, "podman"), 0o755);
      const [command, ...args] = logsArgv("podman", "web-1", 20);
      const r = spawnSync(command as string, args, { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout.split("\n")).toEqual([
        "args: logs --tail 20 web-1",
        "[INFO] Listening at: http://0.0.0.0:8000",
        "GET /healthz 200",
        "[INFO] Worker exiting",
        "",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
