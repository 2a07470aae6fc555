import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { freePort, slipway } from "./local-harness.js";

// An app with a host allow-list, as Django's ALLOWED_HOSTS and Rails' config.hosts are: any other
// Host header gets 400. The contract (docs/app-contract.md) says health checks send `Host:
// localhost` on every target, so allowing that one name is enough for the local health gate and
// for the kubelet's probes alike.

const server = `const http = require("node:http");
const allowed = (process.env.ALLOWED_HOSTS || "").split(",");
http
  .createServer((req, res) => {
    const host = (req.headers.host || "").replace(/:\\d+$/, "");
    if (!allowed.includes(host)) {
      res.writeHead(400);
      res.end("DisallowedHost: " + req.headers.host);
      return;
    }
    res.end("ok");
  })
  .listen(Number(process.env.PORT), process.env.HOST);
`;

describe("health checks send the Host the contract names", () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "slipway-probe-host-"));
    writeFileSync(join(dir, "server.cjs"), server);
    writeFileSync(
      join(dir, "slipway.yaml"),
      `name: hosts
app:
  image: registry.example.com/hosts:1.0.0
  port: 3000
  command: [node, server.cjs]
  health: /up
  env: { ALLOWED_HOSTS: localhost }
  scale: { min: 1, max: 1 }
environments:
  local: { target: local }
  production: { target: kubernetes }
targets:
  local: { type: local, port: ${await freePort()} }
`,
    );
  });
  afterAll(async () => {
    await slipway(dir, ["down", "-e", "local", "--json"]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("the local health gate passes an app that allows only localhost, and the rendered probes send the same Host", async () => {
    const run = await slipway(dir, ["deploy", "-e", "local", "--json", "--health-timeout", "30"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const render = await slipway(dir, ["render", "kubernetes", "-e", "production"]);
    expect(render.code, render.stderr).toBe(0);
    const deployment = parseAllDocuments(render.stdout)
      .map((d) => d.toJS() as { kind: string; spec: { template: { spec: { containers: Record<string, unknown>[] } } } })
      .find((o) => o.kind === "Deployment");
    const container = deployment?.spec.template.spec.containers[0] as Record<string, { httpGet?: { httpHeaders?: unknown } }>;
    for (const probe of ["startupProbe", "readinessProbe"]) {
      expect(container[probe]?.httpGet?.httpHeaders, probe).toEqual([{ name: "Host", value: "localhost" }]);
    }
  }, 120_000);
});
