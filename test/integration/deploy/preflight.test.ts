import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { examplesDir } from "../../helpers/examples.js";
import { type Run, slipway } from "./local-harness.js";

// The deploy preflight is `slipway check` of what the environment deploys, and a blocked deploy
// names the one command that shows the same findings. The preflight runs before the first request
// to the cluster, so these deploys point at a kubeconfig whose server is not there: a deploy the
// preflight lets through fails next, reaching for the lock, with KUBE_UNREACHABLE.

const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: nowhere, cluster: { server: "https://127.0.0.1:9" } }]
users: [{ name: nobody, user: { token: not-used } }]
contexts: [{ name: nowhere, context: { cluster: nowhere, user: nobody } }]
current-context: nowhere
`;

type Found = { ruleId: string; location: string; message: string };

const key = (f: Found) => `${f.ruleId} ${f.location}: ${f.message}`;

/** The findings a blocked deploy reported, one `finding` event each. */
function preflightFindings(run: Run): string[] {
  return run.events
    .filter((e) => e.type === "finding")
    .map((e) => key(e as unknown as Found))
    .sort();
}

/** The command the DEPLOY_PREFLIGHT error names, as words (the test's values need no quoting). */
function printedCommand(run: Run): string[] {
  const hint = String(run.final?.error?.hint ?? "");
  const command = /`(slipway check [^`]+)`/.exec(hint)?.[1];
  expect(command, hint).toBeDefined();
  expect(command).not.toMatch(/['"\\]/);
  return (command as string).split(" ");
}

/** Runs a printed `slipway check …` command as it is, with --json. */
async function runPrinted(dir: string, words: string[]): Promise<{ code: number | null; findings: string[] }> {
  expect(words.slice(0, 2)).toEqual(["slipway", "check"]);
  const run = await slipway(dir, [...words.slice(1), "--json"]);
  const findings = ((run.final?.result?.findings ?? []) as Found[]).map(key).sort();
  return { code: run.code, findings };
}

describe("deploy preflight = slipway check of what the environment deploys", () => {
  let dir: string;
  const env = () => ({ KUBECONFIG: join(dir, "kubeconfig.yaml") });
  const edit = (file: string, change: (text: string) => string) => {
    const path = join(dir, file);
    writeFileSync(path, change(readFileSync(path, "utf8")));
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "slipway-preflight-"));
    cpSync(join(examplesDir, "node-postgres"), dir, {
      recursive: true,
      filter: (src) => !src.includes("node_modules") && !src.includes(".slipway"),
    });
    writeFileSync(join(dir, "kubeconfig.yaml"), unreachableKubeconfig);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("a render finding at high blocks a Kubernetes deploy; the printed command shows exactly the same findings", async () => {
    const run = await slipway(dir, ["deploy", "-e", "staging", "--tag", "latest", "--json"], env());
    expect(run.code, run.stderr).toBe(1);
    expect(run.final?.error).toMatchObject({ code: "DEPLOY_PREFLIGHT" });
    const blocked = preflightFindings(run);
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((f) => f.startsWith("SLW-K8S-027 "))).toBe(true);

    const words = printedCommand(run);
    expect(words).toEqual(["slipway", "check", "-f", "slipway.yaml", "-e", "staging", "--tag", "latest", "--min-severity", "high"]);
    const check = await runPrinted(dir, words);
    expect(check.code).toBe(1);
    expect(check.findings).toEqual(blocked);

    // The person at a terminal sees the same command.
    const human = await slipway(dir, ["deploy", "-e", "staging", "--tag", "latest"], env());
    expect(human.code).toBe(1);
    expect(human.stderr).toContain("`slipway check -f slipway.yaml -e staging --tag latest --min-severity high` shows them");
  }, 60_000);

  it("a Kubernetes environment's image is checked through the Dockerfile app.build names, and only then", async () => {
    edit("Dockerfile", (t) => t.replace(/^USER .*$/m, "USER root"));
    const run = await slipway(dir, ["deploy", "-e", "production", "--json"], env());
    expect(run.code, run.stderr).toBe(1);
    expect(run.final?.error).toMatchObject({ code: "DEPLOY_PREFLIGHT" });
    const blocked = preflightFindings(run);
    expect(blocked.some((f) => /^SLW-DF-\d+ Dockerfile:\d+: /.test(f))).toBe(true);
    const check = await runPrinted(dir, printedCommand(run));
    expect(check.findings).toEqual(blocked);

    // Without app.build the image comes from elsewhere: the Dockerfile here is not what is deployed.
    edit("slipway.yaml", (t) => t.replace(/^ {2}build: .*\n/m, ""));
    const unbuilt = await slipway(dir, ["deploy", "-e", "production", "--json"], env());
    expect(unbuilt.events).toContainEqual(expect.objectContaining({ type: "phase-finished", phase: "preflight" }));
    expect(unbuilt.events.some((e) => e.type === "finding")).toBe(false);
    expect(unbuilt.final?.error).toMatchObject({ code: "KUBE_UNREACHABLE" });
    const checkUnbuilt = await slipway(dir, ["check", "-e", "production", "--min-severity", "high", "--json"]);
    expect(checkUnbuilt.code, checkUnbuilt.stdout).toBe(0);
    expect(checkUnbuilt.final?.result?.findings).toEqual([]);
  }, 60_000);

  it("slipway check -e local: the local target deploys no image and no Kubernetes object, so nothing is checked", async () => {
    edit("Dockerfile", (t) => t.replace(/^USER .*$/m, "USER root"));
    const check = await slipway(dir, ["check", "-e", "local", "--min-severity", "low", "--json"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.final?.result).toMatchObject({ findings: [], inputs: [] });
    const human = await slipway(dir, ["check", "-e", "local"]);
    expect(human.code).toBe(0);
    expect(human.stderr).toContain("no rule applies");
  }, 60_000);

  it("check -e names an environment of the spec", async () => {
    const run = await slipway(dir, ["check", "-e", "qa", "--json"]);
    expect(run.code).toBe(2);
    expect(run.final?.error).toMatchObject({ code: "SPEC_UNKNOWN_ENVIRONMENT" });
  }, 60_000);
});
