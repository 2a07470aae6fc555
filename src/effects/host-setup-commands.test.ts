import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  deployUserArgv,
  deployUserScript,
  fileChanges,
  folderChanges,
  installArgv,
  installHint,
  isUserName,
  missingPackages,
  parseProbe,
  parseSetting,
  parseTcpMigrate,
  probeArgv,
  probeScript,
  renderHostEnv,
  runtimeExposure,
  runtimeInfoArgv,
  sysctlConfFile,
  tcpMigrateArgv,
  unsupportedOs,
} from "./host-setup-commands.js";

const probeOutput = `os.PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
os.ID=debian
os.VERSION_ID="12"
uid=1000
sudo=yes
have=curl
have=podman
have=apt-get
dir=755 root /var/lib/slipway
dir=700 deploy /var/lib/slipway/my app
dockerd=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375
daemonjson=tcp
user=exists
`;

describe("the probe", () => {
  it("is one fixed script with the user and folders as arguments", () => {
    expect(probeArgv("deploy", ["/var/lib/slipway", "/var/lib/slipway/a"])).toEqual([
      "sh",
      "-c",
      probeScript,
      "sh",
      "deploy",
      "/var/lib/slipway",
      "/var/lib/slipway/a",
    ]);
    expect(probeArgv(undefined, ["/d"])).toEqual(["sh", "-c", probeScript, "sh", "", "/d"]);
  });

  it("reads every fact it prints", () => {
    const facts = parseProbe(probeOutput);
    expect(facts.os).toEqual({ id: "debian", idLike: "", versionId: "12", pretty: "Debian GNU/Linux 12 (bookworm)" });
    expect(facts.uid).toBe(1000);
    expect(facts.sudo).toBe(true);
    expect([...facts.programs]).toEqual(["curl", "podman", "apt-get"]);
    expect([...facts.dirs]).toEqual([
      ["/var/lib/slipway", { mode: "755", owner: "root" }],
      ["/var/lib/slipway/my app", { mode: "700", owner: "deploy" }],
    ]);
    expect(facts.dockerd).toEqual(["/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375"]);
    expect(facts.daemonJsonTcp).toBe(true);
    expect(facts.userExists).toBe(true);
    const none = parseProbe("uid=0\nsudo=no\n");
    expect(none).toMatchObject({ uid: 0, sudo: false, daemonJsonTcp: false, userExists: false, dockerd: [] });
  });

  it("runs in a real sh: this machine's OS, uid, programs and a folder with a space and a quote", () => {
    const root = mkdtempSync(join(tmpdir(), "slipway-probe-"));
    try {
      const odd = join(root, "it's a dir");
      mkdirSync(odd, { mode: 0o750 });
      const file = join(odd, "host.env");
      writeFileSync(file, "A=1\n", { mode: 0o640 });
      const [program, ...args] = probeArgv("root", [odd, file, join(root, "absent")]);
      const out = execFileSync(program as string, args, { encoding: "utf8" });
      const facts = parseProbe(out);
      expect(facts.uid).toBe(process.getuid?.());
      expect(facts.os.id).not.toBe("");
      for (const program of ["curl", "podman", "apt-get"])
        expect(facts.programs.has(program)).toBe(spawnSync("sh", ["-c", `command -v ${program}`]).status === 0);
      expect([...facts.dirs.keys()]).toEqual([odd]);
      expect([...facts.files]).toEqual([[file, { mode: "640", owner: userInfo().username }]]);
      expect(facts.dirs.get(odd)?.mode).toBe("750");
      expect(facts.userExists).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("checks", () => {
  it("accepts Debian, Ubuntu and their derivatives, and names anything else with its facts", () => {
    expect(unsupportedOs({ id: "debian", idLike: "", versionId: "12", pretty: "" })).toBeUndefined();
    expect(unsupportedOs({ id: "ubuntu", idLike: "debian", versionId: "24.04", pretty: "" })).toBeUndefined();
    expect(unsupportedOs({ id: "linuxmint", idLike: "ubuntu debian", versionId: "22", pretty: "" })).toBeUndefined();
    expect(unsupportedOs({ id: "fedora", idLike: "", versionId: "40", pretty: "Fedora Linux 40" })).toBe(
      "the server runs Fedora Linux 40 (ID=fedora); slipway supports Debian and Ubuntu servers",
    );
    expect(unsupportedOs({ id: "", idLike: "", versionId: "", pretty: "" })).toContain("an OS without /etc/os-release (ID=?)");
  });

  it("lists the Debian packages of what is missing: the runtime and curl (Caddy runs as a container)", () => {
    expect(missingPackages({ programs: new Set(["curl"]) }, "docker")).toEqual(["docker.io"]);
    expect(missingPackages({ programs: new Set(["podman"]) }, "podman")).toEqual(["curl"]);
    expect(missingPackages({ programs: new Set(["podman", "curl"]) }, "podman")).toEqual([]);
  });

  it("installs with apt-get as root, through sudo -n otherwise, and shows the same command to a person", () => {
    const script = 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"';
    expect(installArgv(["podman", "caddy"], true)).toEqual(["sh", "-c", script, "sh", "podman", "caddy"]);
    expect(installArgv(["docker.io"], false)).toEqual(["sudo", "-n", "sh", "-c", script, "sh", "docker.io"]);
    expect(installHint(["podman", "caddy", "curl"], true)).toBe("apt-get update && apt-get install -y podman caddy curl");
    expect(installHint(["caddy"], false)).toBe("sudo apt-get update && sudo apt-get install -y caddy");
  });

  it("asks the runtime for `info`", () => {
    expect(runtimeInfoArgv("podman")).toEqual(["podman", "info"]);
    expect(runtimeInfoArgv("docker")).toEqual(["docker", "info"]);
  });

  it("finds the Docker API on TCP in dockerd's arguments, daemon.json and the host settings", () => {
    const none = { dockerd: [], daemonJsonTcp: false };
    expect(runtimeExposure({ ...none, dockerd: ["/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"] }, {})).toEqual(
      [],
    );
    expect(runtimeExposure({ ...none, dockerd: ["dockerd -H unix:///run/d.sock"] }, { DOCKER_HOST: "unix:///run/d.sock" })).toEqual([]);
    expect(runtimeExposure({ ...none, dockerd: ["/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375"] }, {})).toEqual([
      "dockerd runs with `-H tcp://0.0.0.0:2375` (its API on a TCP port)",
    ]);
    expect(runtimeExposure({ ...none, dockerd: ["dockerd --host=tcp://0.0.0.0:2376 --tlsverify"] }, {})).toEqual([
      "dockerd runs with `--host=tcp://0.0.0.0:2376` (its API on a TCP port)",
    ]);
    expect(runtimeExposure({ ...none, dockerd: ["dockerd --host tcp://10.0.0.1:2375"] }, {})).toHaveLength(1);
    expect(runtimeExposure({ ...none, dockerd: ["dockerd -Htcp://:2375"] }, {})).toHaveLength(1);
    expect(runtimeExposure({ ...none, daemonJsonTcp: true }, {})).toEqual([
      "/etc/docker/daemon.json lists a tcp:// host (dockerd's API on a TCP port)",
    ]);
    expect(runtimeExposure(none, { DOCKER_HOST: "tcp://203.0.113.7:2375", CONTAINER_HOST: "TCP://x:1" })).toEqual([
      "DOCKER_HOST=tcp://203.0.113.7:2375 in host.env (the runtime reached over TCP)",
      "CONTAINER_HOST=TCP://x:1 in host.env (the runtime reached over TCP)",
    ]);
  });
});

describe("changes", () => {
  const dirs = ["/var/lib/slipway", "/var/lib/slipway/app", "/var/lib/slipway/app/production"];

  it("creates missing folders 0700 parents first, fixes modes and owners, and leaves right ones alone", () => {
    expect(folderChanges(dirs, new Map())).toEqual(
      dirs.map((path) => ({ path, change: "created (0700)", argv: ["mkdir", "-p", "-m", "0700", path] })),
    );
    const existing = new Map([
      ["/var/lib/slipway", { mode: "755", owner: "root" }],
      ["/var/lib/slipway/app", { mode: "700", owner: "root" }],
      ["/var/lib/slipway/app/production", { mode: "700", owner: "root" }],
    ]);
    expect(folderChanges(dirs, existing)).toEqual([
      { path: "/var/lib/slipway", change: "mode 755 → 0700", argv: ["chmod", "0700", "/var/lib/slipway"] },
    ]);
    expect(folderChanges(dirs.slice(1), existing, "deploy")).toEqual([
      { path: "/var/lib/slipway/app", change: "owner root → deploy", argv: ["chown", "deploy", "/var/lib/slipway/app"] },
      {
        path: "/var/lib/slipway/app/production",
        change: "owner root → deploy",
        argv: ["chown", "deploy", "/var/lib/slipway/app/production"],
      },
    ]);
    expect(folderChanges(["/new"], new Map(), "deploy")).toEqual([
      { path: "/new", change: "created (0700)", argv: ["mkdir", "-p", "-m", "0700", "/new"] },
      { path: "/new", change: "owner → deploy", argv: ["chown", "deploy", "/new"] },
    ]);
    expect(folderChanges(dirs, new Map(dirs.map((d) => [d, { mode: "700", owner: "deploy" }])), "deploy")).toEqual([]);
  });

  it("renders host.env sorted under a header, keeps settings already there, removes KEY=, and gives the same bytes twice", () => {
    const header = "# The container runtime's settings on this server (slipway host setup; KEY=VALUE lines).\n";
    expect(renderHostEnv(undefined, {})).toBe(header);
    const first = renderHostEnv(undefined, { CONTAINERS_CONF: "/etc/c.conf", A_B: "x=y" });
    expect(first).toBe(`${header}A_B=x=y\nCONTAINERS_CONF=/etc/c.conf\n`);
    expect(renderHostEnv(first, {})).toBe(first);
    expect(renderHostEnv(first, { A_B: "" })).toBe(`${header}CONTAINERS_CONF=/etc/c.conf\n`);
    expect(renderHostEnv("# hand-written\nKEEP=1\nnot a setting\n", { NEW: "2" })).toBe(`${header}KEEP=1\nNEW=2\n`);
  });

  it("reads --runtime-env words", () => {
    expect(parseSetting("CONTAINERS_CONF=/etc/c.conf")).toEqual(["CONTAINERS_CONF", "/etc/c.conf"]);
    expect(parseSetting("KEY=")).toEqual(["KEY", ""]);
    expect(parseSetting("lower=1")).toBeUndefined();
    expect(parseSetting("NOEQUALS")).toBeUndefined();
    expect(parseSetting("K=a\nB=c")).toBeUndefined();
  });

  it("creates the deploy user with a fixed script, the name and key as arguments", () => {
    const key = "ssh-ed25519 AAAAC3Nza me@laptop";
    expect(deployUserArgv("deploy", key)).toEqual(["sh", "-c", deployUserScript, "sh", "deploy", key]);
    expect(deployUserScript).toContain("useradd --create-home --user-group --shell /bin/sh --password '*' \"$user\"");
    expect(deployUserScript).toContain('grep -qxF "$key"');
    expect(deployUserScript).not.toContain(key);
    expect(isUserName("deploy")).toBe(true);
    expect(isUserName("_svc-1")).toBe(true);
    expect(isUserName("-o")).toBe(false);
    expect(isUserName("Root")).toBe(false);
    expect(isUserName("a".repeat(33))).toBe(false);
  });
});

describe("host.env's mode and owner", () => {
  it("sets 0600 and the deploy user on an existing file, the owner only on a new one, nothing when right", () => {
    const path = "/var/lib/slipway/host.env";
    expect(fileChanges(path, new Map([[path, { mode: "644", owner: "root" }]]), "deploy")).toEqual([
      { path, change: "mode 644 → 0600", argv: ["chmod", "0600", path] },
      { path, change: "owner root → deploy", argv: ["chown", "deploy", path] },
    ]);
    expect(fileChanges(path, new Map(), "deploy")).toEqual([{ path, change: "owner root → deploy", argv: ["chown", "deploy", path] }]);
    expect(fileChanges(path, new Map(), undefined)).toEqual([]);
    expect(fileChanges(path, new Map([[path, { mode: "600", owner: "deploy" }]]), "deploy")).toEqual([]);
    expect(fileChanges(path, new Map([[path, { mode: "600", owner: "root" }]]))).toEqual([]);
  });

  it("the probe reports a regular file as file=, a folder as dir=", () => {
    expect([...parseProbe("file=600 root /srv/host.env\ndir=700 root /srv\n").files]).toEqual([
      ["/srv/host.env", { mode: "600", owner: "root" }],
    ]);
  });
});

describe("net.ipv4.tcp_migrate_req (Caddy's config reloads keep queued connections)", () => {
  it("sets the value and writes the sysctl.d file, then keeps them; run in a real sh over stand-in files", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-sysctl-"));
    try {
      const proc = join(dir, "tcp_migrate_req");
      const conf = join(dir, "60-slipway.conf");
      const run = () => spawnSync("sh", tcpMigrateArgv(conf, proc).slice(1), { encoding: "utf8" });
      expect(parseTcpMigrate(run().stdout.trim().split("\n"))).toBe("absent");
      writeFileSync(proc, "0\n");
      const first = run();
      if (userInfo().uid !== 0 && spawnSync("sudo", ["-n", "true"]).status !== 0) {
        expect(parseTcpMigrate(first.stdout.trim().split("\n"))).toBe("needs-root");
        return;
      }
      expect(parseTcpMigrate(first.stdout.trim().split("\n"))).toBe("changed");
      expect(readFileSync(proc, "utf8")).toBe("1\n");
      expect(readFileSync(conf, "utf8")).toContain("\nnet.ipv4.tcp_migrate_req = 1\n");
      expect(parseTcpMigrate(run().stdout.trim().split("\n"))).toBe("kept");
      // Set by hand but not kept across reboots: the file is written.
      rmSync(conf);
      expect(parseTcpMigrate(run().stdout.trim().split("\n"))).toBe("changed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("defaults to the kernel's file and /etc/sysctl.d, and reads only its four outcomes", () => {
    expect(tcpMigrateArgv().slice(-2)).toEqual([sysctlConfFile, "/proc/sys/net/ipv4/tcp_migrate_req"]);
    expect(sysctlConfFile).toBe("/etc/sysctl.d/60-slipway.conf");
    expect(parseTcpMigrate(["kept"])).toBe("kept");
    expect(parseTcpMigrate(["sudo: a password is required", "needs-root"])).toBe("needs-root");
    expect(parseTcpMigrate(["tee: /etc/sysctl.d/60-slipway.conf: Read-only file system"])).toBeUndefined();
    expect(parseTcpMigrate([])).toBeUndefined();
  });
});
