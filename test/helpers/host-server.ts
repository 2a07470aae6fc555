/**
 * What the host target's integration tests share, all real parts on this machine:
 *   - hostTestNeeds(): whether sshd, the built Caddy (its proxy image) and Podman are here, and the
 *     Podman variables; a suite skips with the reasons otherwise;
 *   - startSshd(): a throwaway sshd on 127.0.0.1 (test/runtime/sshd.sh) and its host key's fingerprint;
 *   - httpGet(): one GET on a fresh connection (what a client of the proxy sees);
 *   - freePort(): a free loopback port.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { podmanEnv } from "./podman.js";
import { toolPath } from "./tools.js";

const sshdScript = resolve("test/runtime/sshd.sh");

/**
 * Whether a host suite can run here; warns with every missing part. `extra`: the suite's own needs
 * (a reason each, undefined when met); `podman: false` when one of them already covers Podman.
 */
export function hostTestNeeds(
  suite: string,
  extra: readonly (string | undefined)[] = [],
  options: { podman?: boolean } = {},
): { skip: boolean; podmanVars: Record<string, string> } {
  const podman = podmanEnv();
  const missing = [
    ["/usr/sbin/sshd", "/usr/bin/sshd"].some((path) => existsSync(path)) ? undefined : "sshd (apt-get install openssh-server)",
    toolPath("caddy") !== undefined ? undefined : "caddy is not built (bash test/cluster/build.sh caddy)",
    options.podman !== false && "missing" in podman ? podman.missing : undefined,
    ...extra,
  ].filter(Boolean);
  if (missing.length > 0) console.warn(`${suite} tests skipped: ${missing.join("; ")}`);
  return { skip: missing.length > 0, podmanVars: "env" in podman ? podman.env : {} };
}

export interface TestSshd {
  /** The sshd's folder (config, keys, log); its client key is `clientKey`. */
  dir: string;
  port: string;
  /** SHA256:… of its ed25519 host key, for --accept-host-key. */
  fingerprint: string;
  clientKey: string;
}

/** Starts a throwaway sshd on 127.0.0.1 with its files in `dir`. */
export function startSshd(dir: string): TestSshd {
  const port = execFileSync(sshdScript, ["start", dir], { encoding: "utf8" }).trim();
  return { dir, port, fingerprint: sshdFingerprint(dir), clientKey: join(dir, "client_key") };
}

/** The fingerprint of the sshd's ed25519 host key (read again after a test changes the key). */
export function sshdFingerprint(dir: string): string {
  return execFileSync("ssh-keygen", ["-lf", join(dir, "host_ed25519_key.pub")], { encoding: "utf8" }).split(" ")[1] as string;
}

export function stopSshd(dir: string): void {
  execFileSync(sshdScript, ["stop", dir]);
}

/** One GET on a fresh connection (5 s timeout): the status and body, or the connection's error. */
export function httpGet(port: number, path = "/"): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((done) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
      res.on("error", (e) => done({ error: e.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => done({ error: e.message }));
    req.end();
  });
}

/** A loopback port no socket uses now (asked of the kernel in a child process, so it stays synchronous). */
export function freePort(): number {
  return Number(
    execFileSync(
      process.execPath,
      ["-e", 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'],
      { encoding: "utf8" },
    ).trim(),
  );
}
