// How much the control master saves: N sequential `run(["true"])` through SshHost (one master, one
// session each) against N fresh `ssh … true` logins, both to a throwaway sshd on 127.0.0.1
// (test/runtime/sshd.sh). Needs `npm run build` first and Debian's openssh-server.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connectSshHost } from "../dist/effects/ssh-host.js";

const count = Number(process.argv[2] ?? 20);
const root = mkdtempSync(join(tmpdir(), "slipway-ssh-bench-"));
const sshd = join(root, "sshd");
const script = resolve("test/runtime/sshd.sh");
const port = execFileSync(script, ["start", sshd], { encoding: "utf8" }).trim();
const fingerprint = execFileSync("ssh-keygen", ["-lf", join(sshd, "host_ed25519_key.pub")], { encoding: "utf8" }).split(" ")[1];
const knownHosts = join(root, "known_hosts");
const env = { PATH: "/usr/bin:/bin" };
try {
  const connectStart = performance.now();
  const host = await connectSshHost({
    destination: `root@127.0.0.1:${port}`,
    identityFile: join(sshd, "client_key"),
    knownHostsFile: knownHosts,
    acceptHostKey: fingerprint,
  });
  const connectMs = performance.now() - connectStart;
  const masterStart = performance.now();
  for (let i = 0; i < count; i++) await host.run({ command: ["true"], cwd: "/", env, timeoutMs: 30_000 });
  const masterMs = performance.now() - masterStart;
  await host.close();

  const freshStart = performance.now();
  for (let i = 0; i < count; i++) {
    execFileSync("ssh", [
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "ControlPath=none",
      "-o",
      "IdentitiesOnly=yes",
      "-i",
      join(sshd, "client_key"),
      "-p",
      port,
      "root@127.0.0.1",
      "true",
    ]);
  }
  const freshMs = performance.now() - freshStart;
  const row = (label, ms) => `${label.padEnd(38)} ${ms.toFixed(0).padStart(6)} ms total  ${(ms / count).toFixed(1).padStart(6)} ms each`;
  console.log(`connect (keyscan + pin + master + id -u) ${connectMs.toFixed(0)} ms`);
  console.log(row(`${count} × run(["true"]) over the master`, masterMs));
  console.log(row(`${count} × fresh ssh login + true`, freshMs));
} finally {
  execFileSync(script, ["stop", sshd]);
  rmSync(root, { recursive: true, force: true });
}
