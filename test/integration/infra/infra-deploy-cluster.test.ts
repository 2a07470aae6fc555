/**
 * `slipway deploy --infra` to the test cluster (kwok nodes): the Terraform outputs reach the
 * objects the deploy applies. The database Secret a team keeps holds only the app user's password
 * (no `host` key): DB_HOST is the outputs' endpoint, and DATABASE_URL is composed from that
 * endpoint and the Secret's password, so the release starts with nothing pasted from Terraform.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { type KubeWorkspace, kubeWorkspace } from "../deploy/kube-harness.js";
import { slipway } from "../deploy/local-harness.js";

const kubeconfig = inject("kubeconfig");
const endpoint = "node-postgres-staging.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com";
const repository = "123456789012.dkr.ecr.eu-west-2.amazonaws.com/node-postgres";

describe("slipway deploy --infra to a Kubernetes environment", () => {
  let ws: KubeWorkspace;
  const env = { KUBECONFIG: kubeconfig };

  beforeAll(async () => {
    ws = await kubeWorkspace("infra", kubeconfig, { secretValues: { "node-postgres-database/password": "pa ss@word/1" } });
    // The team's database Secret holds the password only: the endpoint is Terraform's to say, the url slipway's to compose.
    await kubectlOk(kubeconfig, [
      "-n",
      ws.namespace,
      "patch",
      "secret",
      "node-postgres-database",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/data/host"},{"op":"remove","path":"/data/url"}]',
    ]);
    const entry = (value: unknown, type: string) => ({ sensitive: false, type, value });
    writeFileSync(
      join(ws.dir, "outputs.json"),
      JSON.stringify({
        database_endpoint: entry(endpoint, "string"),
        database_engine: entry("postgres", "string"),
        database_port: entry(5432, "number"),
        ecr_repository_url: entry(repository, "string"),
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await ws?.cleanupAll();
  }, 60_000);

  it("DB_HOST and the image come from the outputs, DATABASE_URL is composed from the endpoint and the Secret's password", async () => {
    const run = await slipway(ws.dir, ["deploy", "-e", "staging", "--infra", "outputs.json", "--json"], env);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const get = async (jsonpath: string) =>
      (await kubectl(kubeconfig, ["-n", ws.namespace, "get", "deployment", "node-postgres", "-o", `jsonpath=${jsonpath}`])).stdout;
    expect(await get("{.spec.template.spec.containers[0].image}")).toBe(`${repository}:1.0.0`);
    expect(await get('{.spec.template.spec.containers[0].env[?(@.name=="DB_HOST")].value}')).toBe(endpoint);
    expect(await get('{.spec.template.spec.containers[0].env[?(@.name=="DB_PORT")].value}')).toBe("5432");
    const url = await kubectl(kubeconfig, ["-n", ws.namespace, "get", "secret", "node-postgres-database", "-o", "jsonpath={.data.url}"]);
    expect(Buffer.from(url.stdout, "base64").toString("utf8")).toBe(
      `postgresql://node_postgres_app:pa%20ss%40word%2F1@${endpoint}:5432/node_postgres`,
    );
    // The password is in no output.
    expect(run.stdout + run.stderr).not.toContain("pa ss@word/1");
  }, 300_000);

  it("without the database Secret the deploy stops before the workload, saying only the password is needed", async () => {
    await kubectlOk(kubeconfig, ["-n", ws.namespace, "delete", "secret", "node-postgres-database"]);
    const run = await slipway(ws.dir, ["deploy", "-e", "staging", "--infra", "outputs.json", "--json"], env);
    expect(run.code).toBe(1);
    const failed = run.events.find((e) => e.type === "failed") as { failure: { class: string; evidence: { detail: string } } } | undefined;
    expect(failed?.failure.class).toBe("config-error");
    expect(failed?.failure.evidence.detail).toContain(
      "A database Secret needs password (the host is the Terraform output database_endpoint)",
    );
    expect(failed?.failure.evidence.detail).toContain("--from-literal=password=…");
    expect(failed?.failure.evidence.detail).not.toContain("--from-literal=host=");
  }, 300_000);
});
