import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, finished, freePort, get, readAll, slipway, start } from "./local-harness.js";

// The canary suite: secrets in every shape (single-line, multi-line with a quote, and the app
// printing them JSON-escaped, URL-encoded, form-encoded, base64, base64url and inside a longer
// base64 string), printed by a real app on boot, in its migration, in a crash and in an unhealthy
// readiness answer, then looked for in every output slipway has: deploy stdout/stderr (human and
// --json), history files, history, status, logs (also --follow with a secret split across two
// writes), the evidence of failed deploys and their error output.

const hex = () => randomBytes(8).toString("hex");
const single = `canary1-${hex()}`;
const multi = `A"b\nmulti2-${hex()}\n  multi3-${hex()} `;

/** Text that must appear nowhere: each canary line, and each encoded form (or a piece only the secret determines). */
function needles(): string[] {
  const out: string[] = [single, ...multi.split("\n").filter((l) => l.trim().length >= 4)];
  for (const value of [single, multi]) {
    out.push(JSON.stringify(value).slice(1, -1));
    out.push(encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2));
    out.push(Buffer.from(value).toString("base64").replace(/=+$/, ""), Buffer.from(value).toString("base64url"));
    // `user:<secret>` base64-encoded: the characters in the middle encode the secret alone.
    out.push(Buffer.from(`user:${value}`).toString("base64").slice(8, -4));
  }
  // A line split across two writes: neither half may show up on its own.
  out.push(single.slice(0, 14), single.slice(14));
  // Every random part on its own, wherever it ended up.
  out.push(...[...`${single} ${multi}`.matchAll(/[0-9a-f]{16}/g)].map((m) => m[0]));
  return out;
}

const server = `
const http = require("node:http");
const secrets = { SESSION_KEY: process.env.SESSION_KEY, MULTI_KEY: process.env.MULTI_KEY };
const forms = (name, v) => [
  name + " raw " + v,
  name + " json " + JSON.stringify({ [name]: v }),
  name + " url " + encodeURIComponent(v),
  name + " form " + new URLSearchParams({ v }).toString(),
  name + " b64 " + Buffer.from(v).toString("base64"),
  name + " b64url " + Buffer.from(v).toString("base64url"),
  name + " basic " + Buffer.from("user:" + v).toString("base64"),
];
for (const stream of [process.stdout, process.stderr])
  for (const [name, v] of Object.entries(secrets)) for (const line of forms(name, v)) stream.write(line + "\\n");
if (process.argv.includes("--print-only")) process.exit(0);
if (process.env.MODE === "crash") throw new Error("boom " + JSON.stringify(secrets) + " " + secrets.MULTI_KEY);
http
  .createServer((req, res) => {
    if (req.url === "/live") return res.end("UP");
    if (req.url === "/ready") {
      if (process.env.MODE === "unhealthy") {
        res.statusCode = 500;
        return res.end(JSON.stringify({ error: "not ready", secrets }) + " " + secrets.MULTI_KEY);
      }
      return res.end("READY");
    }
    if (req.url === "/split") {
      // One line written in two pieces, far enough apart that a follower reads them separately.
      process.stdout.write("split " + secrets.SESSION_KEY.slice(0, 14));
      setTimeout(() => process.stdout.write(secrets.SESSION_KEY.slice(14) + " end\\n"), 1500);
      return res.end("ok");
    }
    res.end("hello");
  })
  .listen(Number(process.env.PORT), process.env.HOST);
`;

describe("canary secrets through every output of a local deploy", () => {
  let dir: string;
  let port: number;
  const outputs: { what: string; text: string }[] = [];
  const run = async (what: string, args: string[]) => {
    const result = await slipway(dir, args);
    outputs.push({ what: `${what} stdout`, text: result.stdout }, { what: `${what} stderr`, text: result.stderr });
    return result;
  };
  const setMode = (mode: string) => {
    const file = join(dir, "slipway.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/MODE: \w+/, `MODE: ${mode}`));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "slipway-canary-"));
    port = await freePort();
    writeFileSync(join(dir, "server.js"), server);
    writeFileSync(
      join(dir, "slipway.yaml"),
      `name: canary
app:
  image: ghcr.io/slipway-tests/canary:1.0.0
  port: 3000
  command: [node, server.js]
  health: { liveness: /live, readiness: /ready }
  secrets: [SESSION_KEY, MULTI_KEY]
  env: { MODE: ok }
  scale: { min: 1, max: 1 }
  release:
    migrate: [node, server.js, --print-only]
environments:
  local:
    secretSource: { env-file: .secrets.env }
    target: local
targets:
  local:
    type: local
    port: ${port}
`,
    );
    const dotenv = (v: string) => `"${v.replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
    writeFileSync(join(dir, ".secrets.env"), `SESSION_KEY=${single}\nMULTI_KEY=${dotenv(multi)}\n`);
    chmodSync(join(dir, ".secrets.env"), 0o600);
  });

  afterAll(async () => {
    await slipway(dir, ["down", "-e", "local"]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("a healthy deploy (--json, then human): the app printed every form, slipway printed none", async () => {
    const first = await run("deploy --json", ["deploy", "-e", "local", "--json"]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    // The migration's output went through the reporter: it was there to leak.
    expect(first.events.filter((e) => e.type === "log").length).toBeGreaterThanOrEqual(28);
    expect(first.stdout).toContain("[redacted]");
    const second = await run("deploy", ["deploy", "-e", "local"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("[redacted]");
    expect((await get(`http://127.0.0.1:${port}/`)).body).toBe("hello");
  }, 120_000);

  it("history, status and logs (text and --json)", async () => {
    for (const args of [
      ["history", "-e", "local", "--json"],
      ["history", "-e", "local"],
      ["status", "-e", "local", "--json"],
      ["status", "-e", "local"],
      ["logs", "-e", "local"],
      ["logs", "-e", "local", "--json"],
    ]) {
      const result = await run(args.join(" "), args);
      expect(result.code, result.stderr).toBe(0);
    }
    const logs = outputs.find((o) => o.what === "logs -e local stdout")?.text ?? "";
    expect(logs).toContain("SESSION_KEY b64 [redacted]");
    expect(logs).toContain('MULTI_KEY raw A"b');
  }, 60_000);

  it("logs --follow: a line written in two pieces is printed whole, redacted", async () => {
    const follower = start(dir, ["logs", "-e", "local", "--follow", "--json"]);
    await eventually("the follower's first lines", async () => (follower.out.stdout.includes("SESSION_KEY") ? true : undefined), 30_000);
    expect((await get(`http://127.0.0.1:${port}/split`)).body).toBe("ok");
    await eventually("the split line", async () => (follower.out.stdout.includes(" end") ? true : undefined), 30_000);
    follower.kill("SIGTERM");
    const result = await finished(follower);
    outputs.push({ what: "logs --follow", text: result.stdout + result.stderr });
    const split = result.stdout.split("\n").filter((l) => l.includes('"split '));
    expect(split).toEqual([expect.stringContaining('"line":"split [redacted] end"')]);
  }, 60_000);

  it("failed deploys (a crash, then an unhealthy readiness answer): evidence and error output", async () => {
    setMode("crash");
    const crashJson = await run("crash --json", ["deploy", "-e", "local", "--json"]);
    expect(crashJson.code).toBe(1);
    expect(crashJson.final?.error).toMatchObject({ failure: { class: "process-exited" } });
    const failure = (crashJson.final?.error?.failure ?? { evidence: {} }) as { evidence: { logTail?: string[] } };
    const tail = (failure.evidence.logTail ?? []).join("\n");
    expect(tail).toContain("boom");
    const crash = await run("crash", ["deploy", "-e", "local"]);
    expect(crash.code).toBe(1);
    expect(crash.stderr).toContain("last log lines");
    const failedLogs = await run("logs --revision 3", ["logs", "-e", "local", "--revision", "3", "--json"]);
    expect(failedLogs.code, failedLogs.stderr).toBe(0);
    setMode("unhealthy");
    const unhealthy = await run("unhealthy --json", ["deploy", "-e", "local", "--json"]);
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.final?.error).toMatchObject({ failure: { class: "health-failed", evidence: { httpStatus: 500 } } });
    expect(((unhealthy.final?.error?.failure ?? { evidence: {} }) as { evidence: { httpBody?: string } }).evidence.httpBody).toContain(
      "[redacted]",
    );
    for (const args of [
      ["history", "-e", "local", "--json"],
      ["status", "-e", "local", "--json"],
    ])
      expect((await run(args.join(" "), args)).code).toBe(0);
    // The release that served before still does.
    expect((await get(`http://127.0.0.1:${port}/`)).body).toBe("hello");
  }, 180_000);

  it("no canary in any output or in any file slipway wrote (the apps' own log files aside)", () => {
    const state = readAll(join(dir, ".slipway"), (name) => /^instance-\d+\.log$|^(setup|migrate|prepare)\.log$|^app$/.test(name));
    const scanned = [...outputs, { what: ".slipway/", text: state }];
    expect(scanned.length).toBeGreaterThan(25);
    for (const { what, text } of scanned)
      for (const needle of needles()) expect(text, `${what} contains ${JSON.stringify(needle)}`).not.toContain(needle);
    // The scan is looking at real records: the history names the secrets.
    expect(state).toContain("MULTI_KEY");
  });

  it("history keeps an HMAC fingerprint keyed by the environment's 0600 key, never a bare hash; old records still read", async () => {
    const stateDir = join(dir, ".slipway", "local");
    const keyFile = join(stateDir, "fingerprint.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile);
    expect(key.length).toBe(32);
    const historyDir = join(stateDir, "history");
    const names = readdirSync(historyDir).sort();
    const record = JSON.parse(readFileSync(join(historyDir, names[0] as string), "utf8"));
    const hmac = createHmac("sha256", key);
    for (const [name, value] of [
      ["MULTI_KEY", multi],
      ["SESSION_KEY", single],
    ])
      hmac.update(`${name}\0${value}\0`);
    expect(record.secrets).toEqual({ names: ["MULTI_KEY", "SESSION_KEY"], fingerprint: `hmac-sha256:${hmac.digest("hex")}` });
    // A record written before fingerprints (an unkeyed hash) is read and shown as it is.
    const old = { ...record, revision: 90, secrets: { names: record.secrets.names, hash: "sha256:0123" } };
    writeFileSync(join(historyDir, "000090.json"), JSON.stringify(old));
    const history = await slipway(dir, ["history", "-e", "local", "--json"]);
    expect(history.code, history.stderr).toBe(0);
    expect(((history.final?.result?.releases ?? []) as { revision: number }[]).map((r) => r.revision)).toContain(90);
  }, 60_000);
});
