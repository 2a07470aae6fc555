import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  choosePinnedKey,
  classifyCurlExit,
  execArgv,
  exitMasterArgv,
  isConnectionFailure,
  isHostKeyMismatch,
  keyFingerprint,
  keyscanArgv,
  knownHostsLine,
  knownHostsName,
  masterArgv,
  parseCurlResponse,
  parseKnownHosts,
  parseProcStat,
  parseSshDestination,
  pickFreePort,
  pinnedKeys,
  remoteCommand,
  runRemote,
  runScript,
  type SshTarget,
  shellQuote,
  socketPorts,
  stopRemote,
  writeRemote,
} from "./ssh-commands.js";

const target: SshTarget = {
  user: "deploy",
  host: "203.0.113.7",
  port: 2222,
  knownHostsFile: "/home/me/.config/slipway/known_hosts",
  controlPath: "/tmp/slipway-ssh-abc/master",
};
const common = [
  "-o",
  "BatchMode=yes",
  "-o",
  "StrictHostKeyChecking=yes",
  "-o",
  "UserKnownHostsFile=/home/me/.config/slipway/known_hosts",
  "-o",
  "GlobalKnownHostsFile=/dev/null",
  "-o",
  "UpdateHostKeys=no",
  "-o",
  "CheckHostIP=no",
  "-o",
  "ConnectTimeout=10",
  "-o",
  "ServerAliveInterval=15",
  "-o",
  "ControlPath=/tmp/slipway-ssh-abc/master",
  "-p",
  "2222",
];

// Measured with `ssh-keygen -lf` on this key (an ed25519 host key made for the test sshd).
const edKey = "AAAAC3NzaC1lZDI1NTE5AAAAIPjjfG1QPNNUXOdECImZPxSG6o1597s9IQAccAehVd+b";
const edFingerprint = "SHA256:0KRkbuozSa2QlY8vY4MYK1Zam/57oaHXlcFRE+LVtkc";

const hostile = ["a b", "it's", 'say "hi"', "$(id)", "`id`", "$HOME", "a\\b", "x;y", "*", "-n", "", "two\nlines", "'", "''", "tab\there"];

describe("shellQuote / remoteCommand", () => {
  it("leaves safe words alone and single-quotes the rest", () => {
    expect(shellQuote("/srv/app-1/releases/v2.tar")).toBe("/srv/app-1/releases/v2.tar");
    expect(shellQuote("PATH=/usr/bin:/bin")).toBe("PATH=/usr/bin:/bin");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("$(id)")).toBe("'$(id)'");
    expect(shellQuote("two\nlines")).toBe("'two\nlines'");
  });

  it("round-trips hostile words through a real POSIX shell exactly", () => {
    const line = remoteCommand(["printf", "%s\\0", ...hostile]);
    const out = execFileSync("sh", ["-c", line], { encoding: "utf8" });
    expect(out.split("\0").slice(0, -1)).toEqual(hostile);
  });

  it("round-trips through two shells (the login shell, then sh -c) in runRemote", () => {
    const line = runRemote(["printf", "%s\\0", ...hostile], "/", { PATH: "/usr/bin:/bin" });
    // The login shell parses the line, as sshd's `$SHELL -c LINE` does.
    const out = execFileSync("sh", ["-c", line], { encoding: "utf8" });
    expect(out.split("\0").slice(0, -1)).toEqual(hostile);
  });
});

describe("ssh argv builders", () => {
  it("runs a remote line over the master, with -- before the destination", () => {
    expect(execArgv(target, "id -u")).toEqual(["ssh", ...common, "-o", "ControlMaster=no", "-T", "--", "deploy@203.0.113.7", "id -u"]);
    // A console: a terminal on the server even when ssh's own stdin is not one (-tt).
    expect(execArgv(target, "sh", { tty: true })).toEqual([
      "ssh",
      ...common,
      "-o",
      "ControlMaster=no",
      "-tt",
      "--",
      "deploy@203.0.113.7",
      "sh",
    ]);
  });

  it("starts the master in the background with a short ControlPersist and its own log", () => {
    expect(masterArgv(target, "/tmp/slipway-ssh-abc/master.log")).toEqual([
      "ssh",
      ...common,
      "-o",
      "ControlMaster=yes",
      "-o",
      "ControlPersist=60",
      "-E",
      "/tmp/slipway-ssh-abc/master.log",
      "-N",
      "-f",
      "--",
      "deploy@203.0.113.7",
    ]);
    expect(exitMasterArgv(target)).toEqual(["ssh", ...common, "-O", "exit", "--", "deploy@203.0.113.7"]);
  });

  it("uses only the given identity file when there is one, and quotes paths with spaces", () => {
    const withKey = execArgv({ ...target, identityFile: "/keys/deploy key", knownHostsFile: "/my files/known_hosts" }, "true");
    expect(withKey).toContain('UserKnownHostsFile="/my files/known_hosts"');
    expect(withKey.slice(withKey.indexOf("IdentitiesOnly=yes") - 1, withKey.indexOf("IdentitiesOnly=yes") + 3)).toEqual([
      "-o",
      "IdentitiesOnly=yes",
      "-i",
      "/keys/deploy key",
    ]);
  });

  it("scans keys without logging in", () => {
    expect(keyscanArgv("203.0.113.7", 2222)).toEqual(["ssh-keyscan", "-T", "10", "-p", "2222", "203.0.113.7"]);
  });

  it("builds remote steps with inputs as positional parameters", () => {
    expect(writeRemote("/srv/a b", 0o600)).toMatch(/^sh -c '.*' sh '\/srv\/a b' 0600$/s);
    expect(stopRemote(1234, "5678", 10_000)).toMatch(/ sh 1234 5678 100$/);
    expect(runRemote(["node", "server.js"], "/srv/app", { PATH: "/usr/bin", A: "x y" })).toBe(
      `sh -c ${shellQuote(runScript)} sh /srv/app /usr/bin node env -i 'A=x y' PATH=/usr/bin node server.js`,
    );
    expect(() => runRemote(["true"], "/", { "BAD NAME": "x" })).toThrow(/not an environment variable name/);
    expect(runRemote(["sleep", "9"], "/srv", { PATH: "/usr/bin" }, 1_500)).toBe(
      `sh -c ${shellQuote(runScript)} sh /srv /usr/bin sleep timeout -k 5 3 env -i PATH=/usr/bin sleep 9`,
    );
  });
});

describe("parseSshDestination", () => {
  it.each([
    ["deploy@server.example.com", { user: "deploy", host: "server.example.com", port: 22 }],
    ["deploy@10.0.0.5:2222", { user: "deploy", host: "10.0.0.5", port: 2222 }],
    ["server", { host: "server", port: 22 }],
    ["root@[::1]:2200", { user: "root", host: "::1", port: 2200 }],
  ])("%s", (text, expected) => {
    expect(parseSshDestination(text)).toEqual(expected);
  });

  it.each(["", "-oProxyCommand=x", "deploy@", "a@b:0", "a@b:99999", "a b@c", "deploy@host;rm"])("refuses %j", (text) => {
    expect(() => parseSshDestination(text)).toThrow(/not an SSH destination/);
  });
});

describe("host keys", () => {
  it("computes OpenSSH's SHA256 fingerprint", () => {
    expect(keyFingerprint(edKey)).toBe(edFingerprint);
  });

  it("names hosts like known_hosts does and reads plain entries", () => {
    expect(knownHostsName("server", 22)).toBe("server");
    expect(knownHostsName("127.0.0.1", 2222)).toBe("[127.0.0.1]:2222");
    const text = `# comment\n[127.0.0.1]:2222 ssh-ed25519 ${edKey}\nserver,10.0.0.5 ssh-rsa AAAAB3\n@revoked * ssh-rsa AAAA\n|1|hash= ssh-rsa X\n`;
    expect(pinnedKeys(text, "[127.0.0.1]:2222")).toEqual([{ name: "[127.0.0.1]:2222", type: "ssh-ed25519", key: edKey }]);
    expect(pinnedKeys(text, "10.0.0.5")).toEqual([{ name: "10.0.0.5", type: "ssh-rsa", key: "AAAAB3" }]);
    expect(parseKnownHosts(text)).toHaveLength(4);
    expect(knownHostsLine({ name: "[h]:2", type: "ssh-ed25519", key: edKey })).toBe(`[h]:2 ssh-ed25519 ${edKey}\n`);
  });

  it("pins only the key whose fingerprint was accepted", () => {
    const scanned = [{ name: "[h]:2", type: "ssh-ed25519", key: edKey }];
    expect(choosePinnedKey(scanned, edFingerprint)).toEqual({ pin: scanned[0] });
    expect(choosePinnedKey(scanned, ` ${edFingerprint} `)).toEqual({ pin: scanned[0] });
    expect(choosePinnedKey(scanned, undefined)).toEqual({ refuse: "not-accepted", fingerprints: [`${edFingerprint} (ssh-ed25519)`] });
    expect(choosePinnedKey(scanned, "SHA256:other")).toMatchObject({ refuse: "wrong-fingerprint" });
    expect(choosePinnedKey([], edFingerprint)).toEqual({ refuse: "no-keys", fingerprints: [] });
  });

  it("recognises ssh's messages", () => {
    expect(isHostKeyMismatch("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @")).toBe(true);
    expect(isHostKeyMismatch("Host key verification failed.")).toBe(true);
    expect(isHostKeyMismatch("Permission denied (publickey).")).toBe(false);
    expect(isConnectionFailure("ssh: connect to host 127.0.0.1 port 1: Connection refused")).toBe(true);
    expect(isConnectionFailure("Permission denied (publickey).")).toBe(true);
    expect(isConnectionFailure("my app: ssh: something")).toBe(false);
  });
});

describe("remote /proc and curl readers", () => {
  it("reads state, group and start time, with ') ' inside the command name", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = "S";
    fields[2] = "4242";
    fields[19] = "987654";
    expect(parseProcStat(`4242 (evil) (name) ${fields.join(" ")}\n`)).toEqual({ state: "S", pgrp: 4242, startTime: "987654" });
    expect(parseProcStat("garbage")).toBeUndefined();
  });

  it("lists used and listening ports from /proc/net/tcp", () => {
    const text = [
      "  sl  local_address rem_address   st tx_queue rx_queue",
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0",
      "   1: 0100007F:8AE2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0",
      "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 0",
    ].join("\n");
    expect([...socketPorts(text, true)].sort()).toEqual([80, 8080]);
    expect([...socketPorts(text, false)].sort((a, b) => a - b)).toEqual([80, 8080, 35554]);
  });

  it("picks an unused port below the ephemeral range", () => {
    expect(pickFreePort(new Set([20_000, 20_001]), () => 0)).toBe(20_002);
    expect(pickFreePort(new Set(), () => 0.999999)).toBe(32_767);
    const all = new Set(Array.from({ length: 12_768 }, (_, i) => 20_000 + i));
    expect(pickFreePort(all, () => 0.5)).toBeUndefined();
  });

  it("parses curl -i output and maps its exit codes", () => {
    expect(
      parseCurlResponse("HTTP/1.1 503 Service Unavailable\r\nX-A: 1\r\nx-a: 2\r\nContent-Type: text/plain\r\n\r\nbusy\r\n\r\nmore"),
    ).toEqual({
      status: 503,
      headers: { "x-a": "1, 2", "content-type": "text/plain" },
      body: "busy\r\n\r\nmore",
    });
    expect(parseCurlResponse("")).toBeUndefined();
    expect(classifyCurlExit(7)).toBe("refused");
    expect(classifyCurlExit(28)).toBe("timeout");
    expect(classifyCurlExit(52)).toBe("reset");
    expect(classifyCurlExit(6)).toBe("failed");
  });
});
