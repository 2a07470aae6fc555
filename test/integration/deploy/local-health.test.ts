import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { get, slipway, type Workspace, workspace } from "./local-harness.js";

// The local health gate counts an answer as kubelet probes do: 200–399. A redirect is an answer,
// not an invitation: the gate must not follow it (here the redirect's target fails loudly).

const app = `import { createServer } from "node:http";
createServer((req, res) => {
  if (req.url === "/up") {
    res.writeHead(302, { location: "/login" });
    return res.end();
  }
  if (req.url === "/login") {
    res.writeHead(500);
    return res.end("the redirect was followed");
  }
  res.end("hello from " + process.env.HOST + ":" + process.env.PORT);
}).listen(Number(process.env.PORT), process.env.HOST);
`;

function spec(port: number, health: string): string {
  return `name: redirect
app:
  image: registry.example.com/redirect:1.0.0
  port: 8080
  command: [node, app.mjs]
  health: ${health}
  scale: { min: 1, max: 1 }
environments:
  local: { target: local }
targets:
  local: { type: local, port: ${port} }
`;
}

describe("local health gate", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  }, 120_000);

  it("a health path that answers 302 passes, without following the redirect", async () => {
    const ws: Workspace = await workspace("redirect");
    cleanups.push(() => ws.cleanup());
    writeFileSync(join(ws.dir, "app.mjs"), app);
    writeFileSync(join(ws.dir, "slipway.yaml"), spec(ws.port, "/up"));
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.final, run.stdout + run.stderr).toMatchObject({ ok: true });
    const served = await get(ws.url);
    expect(served.status).toBe(200);
    // The app listened where the contract told it to: $HOST is loopback on the local target.
    expect(served.body).toMatch(/^hello from 127\.0\.0\.1:\d+$/);
  }, 180_000);

  it("a health path that answers 500 still fails the gate (health-failed)", async () => {
    const ws: Workspace = await workspace("redirect-500");
    cleanups.push(() => ws.cleanup());
    writeFileSync(join(ws.dir, "app.mjs"), app);
    writeFileSync(join(ws.dir, "slipway.yaml"), spec(ws.port, "/login"));
    const run = await slipway(ws.dir, ["deploy", "-e", "local", "--json"]);
    expect(run.code).toBe(1);
    expect(run.final?.error).toMatchObject({ failure: { class: "health-failed" } });
  }, 180_000);
});
