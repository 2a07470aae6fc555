/**
 * The local target does its process, file and port work through the Host it is given: a Host that
 * records every call and hands it on to this machine (localHost, no fakes) sees the release's
 * instance started with its argv, its state written, its port probed, and the instance stopped by
 * identity. A second Host (SSH) plugs in the same way.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollectingReporter } from "../../../src/deploy/events.js";
import type { Host } from "../../../src/effects/host.js";
import { localHost } from "../../../src/effects/local-host.js";
import { isAlive } from "../../../src/effects/processes.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { Redactor } from "../../../src/secrets/redact.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { instancesOf, localTarget } from "../../../src/targets/local/local-target.js";
import { Cleanups, tempDir } from "./helpers.js";

const spec = `name: seam
app:
  image: seam:1
  port: 5000
  command: [node, server.js]
  health: /up
environments:
  dev: { target: local }
`;

const server = `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), "127.0.0.1");\n`;

/** `localHost` with every call written down first. */
function recordingHost(calls: { name: string; detail: unknown }[]): Host {
  const wrapped: Record<string, unknown> = { ...localHost };
  for (const [name, fn] of Object.entries(localHost)) {
    if (typeof fn !== "function") continue;
    wrapped[name] = (...args: unknown[]) => {
      calls.push({ name, detail: args[0] });
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return wrapped as unknown as Host;
}

const cleanups = new Cleanups();
let appDir: string;
let model: AppModel;

beforeAll(async () => {
  appDir = await tempDir(cleanups, "host-seam");
  await writeFile(join(appDir, "server.js"), server);
  const validated = validateSpec(parseSpecText(spec, "slipway.yaml"));
  model = buildModel(validated, validated.environments.dev as NonNullable<(typeof validated.environments)[string]>);
});

afterAll(() => cleanups.run(), 60_000);

describe("the local target through a Host", () => {
  it("starts, probes and stops the release's instance through the host it is given", async () => {
    const calls: { name: string; detail: unknown }[] = [];
    const stateDir = join(appDir, ".slipway", "dev");
    const target = localTarget({
      appDir,
      stateDir,
      port: 1,
      secrets: {},
      proxyEntry: [],
      baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      redactor: new Redactor(),
      host: recordingHost(calls),
    });
    const ctx = { model, revision: 1, previous: undefined, rollbackOf: undefined, reporter: new CollectingReporter() };
    await target.prepare(ctx);
    const runtime = await target.start(ctx);
    const instances = instancesOf(runtime);
    for (const instance of instances) cleanups.add(() => localHost.stop(instance, { graceMs: 1_000 }));
    expect(instances.length).toBe(model.replicas.min);

    const starts = calls
      .filter((c) => c.name === "start")
      .map((c) => c.detail as { command: string[]; cwd: string; env: Record<string, string> });
    expect(starts.map((s) => s.command)).toEqual(instances.map(() => [process.execPath, "server.js"]));
    expect(starts.map((s) => s.cwd)).toEqual(instances.map(() => join(stateDir, "releases", "1", "app")));
    expect(starts.map((s) => [s.env.PORT, s.env.SLIPWAY_RELEASE_DIR, s.env.SLIPWAY_RELEASE_ROLE])).toEqual(
      instances.map((i) => [String(i.port), join(stateDir, "releases", "1"), "web"]),
    );
    expect(calls.filter((c) => c.name === "freePort")).toHaveLength(instances.length);

    await target.healthGate(ctx, runtime);
    const ports = instances.map((i) => i.port).sort();
    expect(
      calls
        .filter((c) => c.name === "waitForPort")
        .map((c) => c.detail as number)
        .sort(),
    ).toEqual(ports);
    for (const port of ports) expect(calls.some((c) => c.name === "httpGet" && c.detail === `http://127.0.0.1:${port}/up`)).toBe(true);

    await target.abandon(ctx, runtime);
    const stopped = calls.filter((c) => c.name === "stop").map((c) => c.detail as { pid: number });
    expect(stopped.map((p) => p.pid).sort()).toEqual(instances.map((i) => i.pid).sort());
    for (const instance of instances) expect(isAlive(instance.pid, instance.startTime)).toBe(false);
  });
});
