/*
 * HTTPS for ingress.host on the host target, end to end through the CLI (in process) with real parts:
 * sshd on 127.0.0.1, Podman, Caddy (Debian's 2.6.2) with `tls: internal` (its own local CA, so no
 * internet is needed). The site answers over HTTPS for the host name with a certificate Caddy's root
 * signs, HTTP redirects to HTTPS, and a second deploy switches and drains under an HTTPS request loop
 * with no failed request. (`tls: acme` is the same config with a public issuer: unit-tested as JSON.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, hostTestNeeds, startSshd, stopSshd } from "../../helpers/host-server.js";
import { busyboxBase, caddyImage } from "../../helpers/podman.js";
import { runCli } from "../../helpers/run-cli.js";

const { skip, podmanVars } = hostTestNeeds("host TLS");

const siteHost = "shop.slipway.test";
let root = "";
let sshdDir = "";
let fingerprint = "";
let image = "";
let httpPort = 0;
let httpsPort = 0;
let serverDir = "";

/** Caddy's local root certificate, under the proxy's data folder on the server. */
const rootCertificate = () => join(serverDir, "tlsapp", "production", "proxy", "data", "caddy", "pki", "authorities", "local", "root.crt");

type Answer = { status: number; body: string; location?: string | undefined; issuer?: string } | { error: string };

/** GET https://siteHost:httpsPort/ connecting to 127.0.0.1, trusting only Caddy's root. */
function getHttps(ca: string): Promise<Answer> {
  return new Promise((done) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port: httpsPort,
        servername: siteHost,
        headers: { host: `${siteHost}:${httpsPort}` },
        path: "/",
        ca,
        agent: false,
        timeout: 5_000,
      },
      (res) => {
        let body = "";
        const issuer = (res.socket as import("node:tls").TLSSocket).getPeerCertificate().issuer?.CN;
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => done({ status: res.statusCode ?? 0, body, issuer: String(issuer) }));
        res.on("error", (e) => done({ error: e.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => done({ error: e.message }));
    req.end();
  });
}

function getHttp(): Promise<Answer> {
  return new Promise((done) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: httpPort, path: "/orders?id=1", headers: { host: siteHost }, agent: false, timeout: 5_000 },
      (res) => {
        res.resume();
        res.on("end", () => done({ status: res.statusCode ?? 0, body: "", location: res.headers.location }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => done({ error: e.message }));
    req.end();
  });
}

const cli = (args: string[]) =>
  runCli([...args, "-f", join(root, "app", "slipway.yaml"), "-e", "production"], {
    cwd: join(root, "app"),
    env: { PATH: process.env.PATH ?? "" },
  });

beforeAll(async () => {
  if (skip) return;
  root = await mkdtemp(join(tmpdir(), "slipway-hosttls-"));
  sshdDir = join(root, "sshd");
  const sshd = startSshd(sshdDir);
  const sshPort = sshd.port;
  fingerprint = sshd.fingerprint;
  const context = join(root, "ctx");
  await mkdir(context);
  await writeFile(
    join(context, "Containerfile"),
    `FROM ${busyboxBase(podmanVars)}\nCMD ["sh", "-c", "mkdir -p /tmp/www && echo ok > /tmp/www/health && echo r$SLIPWAY_REVISION > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]\n`,
  );
  image = "localhost/slipway-test/host-tls-app:v1";
  execFileSync("podman", ["build", "--quiet", "--network", "host", "-t", image, context], { env: { ...process.env, ...podmanVars } });
  httpPort = freePort();
  httpsPort = freePort();
  serverDir = join(root, "srv");
  await mkdir(join(root, "app"));
  await writeFile(
    join(root, "app", "slipway.yaml"),
    `name: tlsapp
app:
  image: ${image}
  port: 8080
  health: /health
  scale: { min: 1, max: 1 }
ingress:
  host: ${siteHost}
environments:
  production:
    target: server
targets:
  server:
    type: host
    ssh: root@127.0.0.1:${sshPort}
    identity: ${join(sshdDir, "client_key")}
    port: ${httpPort}
    httpsPort: ${httpsPort}
    tls: internal
    dir: ${serverDir}
    proxy: { image: ${caddyImage(podmanVars)} }
`,
  );
  const runtimeEnv = Object.entries(podmanVars).flatMap(([k, v]) => ["--runtime-env", `${k}=${v}`]);
  const setup = await cli(["host", "setup", "--accept-host-key", fingerprint, ...runtimeEnv]);
  expect(setup.code, setup.stderr + setup.stdout).toBe(0);
}, 180_000);

afterAll(async () => {
  if (skip) return;
  await cli(["down"]).catch(() => undefined);
  if (sshdDir !== "") stopSshd(sshdDir);
  spawnSync("podman", ["rmi", "--force", image], { env: { ...process.env, ...podmanVars } });
  await rm(root, { recursive: true, force: true });
}, 120_000);

describe.skipIf(skip)("host target with tls: internal", () => {
  it("serves ingress.host over HTTPS with a certificate of Caddy's local CA, and redirects HTTP to HTTPS", async () => {
    const deployed = await cli(["deploy", "--json"]);
    expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
    expect(JSON.parse(deployed.stdout.trim().split("\n").pop() as string).result).toMatchObject({
      revision: 1,
      url: `https://${siteHost}:${httpsPort}/`,
    });
    // Caddy issues the certificate from its own CA moments after the config loads.
    const deadline = Date.now() + 30_000;
    let answer: Answer = { error: "no root certificate yet" };
    while (Date.now() < deadline) {
      if (existsSync(rootCertificate())) {
        answer = await getHttps(readFileSync(rootCertificate(), "utf8"));
        if (!("error" in answer)) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(answer).toMatchObject({ status: 200, body: "r1\n", issuer: "Caddy Local Authority - ECC Intermediate" });
    // curl as a user would check it: the name, through 127.0.0.1, trusting only that root.
    const curl = spawnSync(
      "curl",
      [
        "--silent",
        "--show-error",
        "--resolve",
        `${siteHost}:${httpsPort}:127.0.0.1`,
        "--cacert",
        rootCertificate(),
        `https://${siteHost}:${httpsPort}/`,
      ],
      { encoding: "utf8" },
    );
    expect(curl.stderr).toBe("");
    expect(curl.stdout).toBe("r1\n");
    // A client that does not trust Caddy's root is refused: the certificate is not a public one.
    const untrusted = spawnSync("curl", [
      "--silent",
      "--resolve",
      `${siteHost}:${httpsPort}:127.0.0.1`,
      `https://${siteHost}:${httpsPort}/`,
    ]);
    expect(untrusted.status).toBe(60);
    // Caddy's own redirect (308, path and query kept) names no port: it takes a non-443 httpsPort to be
    // reached as 443 from outside (a port forward), as its https_port means.
    expect(await getHttp()).toMatchObject({ status: 308, location: `https://${siteHost}/orders?id=1` });
    // Caddy's CA stays out of the server's system trust store (install_trust: false).
    expect(readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8")).not.toContain(
      readFileSync(rootCertificate(), "utf8").trim().split("\n")[1],
    );
  }, 180_000);

  it("switches and drains under an HTTPS request loop with no failed request", async () => {
    const ca = readFileSync(rootCertificate(), "utf8");
    let running = true;
    const results = { ok: 0, failed: [] as string[], bodies: new Set<string>() };
    const loop = (async () => {
      while (running) {
        const r = await getHttps(ca);
        if ("error" in r) results.failed.push(r.error);
        else if (r.status !== 200) results.failed.push(`${r.status} ${r.body}`);
        else {
          results.ok++;
          results.bodies.add(r.body.trim());
        }
      }
    })();
    const second = await cli(["deploy", "--json"]);
    running = false;
    await loop;
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(results.failed).toEqual([]);
    expect(results.ok).toBeGreaterThan(10);
    expect([...results.bodies].sort()).toEqual(["r1", "r2"]);
    expect(await getHttps(ca)).toMatchObject({ status: 200, body: "r2\n" });
    const status = await cli(["status", "--json"]);
    expect(JSON.parse(status.stdout.trim().split("\n").pop() as string).result).toMatchObject({
      url: `https://${siteHost}:${httpsPort}/`,
      serving: 2,
      healthy: true,
    });
  }, 240_000);
});
