/**
 * The AWS drill's waiting, failure and interrupt paths, which moto cannot show: moto makes every
 * cluster and instance `available` at once (aws-drill.test.ts runs the whole drill against moto).
 * RECORDED RESPONSES, NOT MOTO: a small HTTP server in this test answers slipway's real SDK RDS
 * client (AWS query protocol, via AWS_ENDPOINT_URL_RDS) with XML written for this test in the
 * shape RDS returns — a scratch cluster `creating` before `available`, an instance that turns
 * `incompatible-restore`, a cluster that never becomes available, and a DeleteDBCluster refused
 * once with InvalidDBClusterStateFault. Every call is logged, so the test sees the deletion happen.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { finished, slipway, start } from "../deploy/local-harness.js";
import { auroraSpec, outputsFile } from "./aurora-fixture.js";

const ns = "http://rds.amazonaws.com/doc/2014-10-31/";

const cluster = (id: string, status: string) => `<DBCluster>
  <DBClusterIdentifier>${id}</DBClusterIdentifier>
  <Status>${status}</Status>
  <Engine>aurora-postgresql</Engine>
  <EngineVersion>17.4</EngineVersion>
  <BackupRetentionPeriod>7</BackupRetentionPeriod>
  <LatestRestorableTime>2026-12-07T09:25:00.000Z</LatestRestorableTime>
  <DBSubnetGroup>shop-production</DBSubnetGroup>
  <DBClusterParameterGroup>shop-production-pg17</DBClusterParameterGroup>
  <VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-0aa11bb22cc33dd44</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>
  <Endpoint>${id}.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com</Endpoint>
  <Port>5432</Port>
</DBCluster>`;
const instance = (id: string, status: string) => `<DBInstance>
  <DBInstanceIdentifier>${id}</DBInstanceIdentifier>
  <DBInstanceClass>db.r7g.large</DBInstanceClass>
  <Engine>aurora-postgresql</Engine>
  <DBInstanceStatus>${status}</DBInstanceStatus>
</DBInstance>`;
const ok = (action: string, result: string) =>
  `<${action}Response xmlns="${ns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>rec-0001</RequestId></ResponseMetadata></${action}Response>`;
const fault = (code: string, message: string) =>
  `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>rec-0002</RequestId></ErrorResponse>`;

interface Script {
  /** Statuses the scratch cluster reports, one per DescribeDBClusters of it (the last repeats). */
  clusterStatuses: string[];
  instanceStatuses: string[];
}

describe("slipway db drill on Aurora: waiting, failing and interrupted (recorded RDS responses)", () => {
  let server: Server;
  let url: string;
  let dir: string;
  let script: Script;
  let calls: { action: string; params: URLSearchParams }[] = [];
  let clusterReads = 0;
  let instanceReads = 0;
  let deleteClusterRefusals = 0;
  const env = () => ({
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_RDS: url,
    AWS_ACCESS_KEY_ID: "AKIDRECORDED",
    AWS_SECRET_ACCESS_KEY: "recorded-responses-secret",
  });

  const answer = (params: URLSearchParams): { status: number; body: string } => {
    const action = params.get("Action") ?? "";
    const scratch = calls.find((c) => c.action === "RestoreDBClusterToPointInTime")?.params.get("DBClusterIdentifier") ?? "";
    switch (action) {
      case "DescribeDBClusters": {
        const id = params.get("DBClusterIdentifier");
        // The list (stale scratch clusters are looked for): only the source, no scratch of earlier drills.
        if (!id) return { status: 200, body: ok(action, `<DBClusters>${cluster("shop-production", "available")}</DBClusters>`) };
        if (id === "shop-production") return { status: 200, body: ok(action, `<DBClusters>${cluster(id, "available")}</DBClusters>`) };
        const status = script.clusterStatuses[Math.min(clusterReads++, script.clusterStatuses.length - 1)] ?? "available";
        return { status: 200, body: ok(action, `<DBClusters>${cluster(scratch, status)}</DBClusters>`) };
      }
      case "DescribeDBInstances": {
        if (params.get("Filters.Filter.1.Name") === "db-cluster-id")
          return { status: 200, body: ok(action, `<DBInstances>${instance("shop-production-one", "available")}</DBInstances>`) };
        const status = script.instanceStatuses[Math.min(instanceReads++, script.instanceStatuses.length - 1)] ?? "available";
        return { status: 200, body: ok(action, `<DBInstances>${instance(`${scratch}-1`, status)}</DBInstances>`) };
      }
      case "RestoreDBClusterToPointInTime":
        return { status: 200, body: ok(action, cluster(params.get("DBClusterIdentifier") ?? "", "creating")) };
      case "CreateDBInstance":
        return { status: 200, body: ok(action, instance(params.get("DBInstanceIdentifier") ?? "", "creating")) };
      case "DeleteDBInstance":
        return { status: 200, body: ok(action, instance(params.get("DBInstanceIdentifier") ?? "", "deleting")) };
      case "DeleteDBCluster":
        if (deleteClusterRefusals++ === 0 && calls.some((c) => c.action === "DeleteDBInstance"))
          return {
            status: 400,
            body: fault("InvalidDBClusterStateFault", "Cluster cannot be deleted, it still contains DB instances in non-deleting state."),
          };
        return { status: 200, body: ok(action, cluster(params.get("DBClusterIdentifier") ?? "", "deleting")) };
      default:
        return { status: 400, body: fault("InvalidAction", `not recorded: ${action}`) };
    }
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        const params = new URLSearchParams(body);
        calls.push({ action: params.get("Action") ?? "", params });
        const { status, body: xml } = answer(params);
        res.writeHead(status, { "content-type": "text/xml" });
        res.end(xml);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    dir = mkdtempSync(join(tmpdir(), "slipway-aws-drill-rec-"));
    writeFileSync(join(dir, "slipway.yaml"), auroraSpec);
    writeFileSync(join(dir, "outputs.json"), outputsFile("shop-production"));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    calls = [];
    clusterReads = 0;
    instanceReads = 0;
    deleteClusterRefusals = 0;
  });
  const actions = () => calls.map((c) => c.action);

  it("waits through `creating`, fails at once on `incompatible-restore`, and deletes instance and cluster (retrying the refused delete)", async () => {
    script = { clusterStatuses: ["creating", "creating", "available"], instanceStatuses: ["creating", "incompatible-restore"] };
    const run = await slipway(dir, ["db", "drill", "-e", "production", "--infra", "outputs.json", "--poll", "1"], env());
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /error\[DB_DRILL_FAILED\]: AWS drill: instance slipway-drill-shop-production-\d{14}-[0-9a-f]{4}-1 is incompatible-restore/,
    );
    expect(run.stderr).toMatch(/instance deleting, cluster deleting/);
    expect(run.stderr).toMatch(/cluster slipway-drill-\S+ is creating \(0 s\)/);
    expect(run.stderr).toMatch(/cluster slipway-drill-\S+ is available \(\d+(\.\d)? s\)/);
    expect(run.stderr).toMatch(/instance slipway-drill-\S+ is incompatible-restore/);
    // What the SDK sent: the restore as designed, then the deletions in order, the cluster's retried once.
    const restore = calls.find((c) => c.action === "RestoreDBClusterToPointInTime")?.params;
    expect(restore?.get("SourceDBClusterIdentifier")).toBe("shop-production");
    expect(restore?.get("UseLatestRestorableTime")).toBe("true");
    expect(restore?.get("RestoreType")).toBe("full-copy");
    expect(restore?.get("DBSubnetGroupName")).toBe("shop-production");
    expect(restore?.get("DBClusterParameterGroupName")).toBe("shop-production-pg17");
    expect(restore?.get("VpcSecurityGroupIds.VpcSecurityGroupId.1")).toBe("sg-0aa11bb22cc33dd44");
    expect(restore?.get("Tags.Tag.1.Key")).toBe("slipway:drill");
    expect(calls.find((c) => c.action === "CreateDBInstance")?.params.get("DBInstanceClass")).toBe("db.r7g.large");
    const deletes = actions().filter((a) => a.startsWith("Delete"));
    expect(deletes).toEqual(["DeleteDBInstance", "DeleteDBCluster", "DeleteDBCluster"]);
    expect(calls.find((c) => c.action === "DeleteDBInstance")?.params.get("SkipFinalSnapshot")).toBe("true");
    for (const c of calls.filter((c) => c.action === "DeleteDBCluster")) {
      expect(c.params.get("SkipFinalSnapshot")).toBe("true");
      expect(c.params.get("DBClusterIdentifier")).toMatch(/^slipway-drill-shop-production-/);
    }
  }, 120_000);

  it("gives up at --timeout with a hint, and still deletes the scratch cluster", async () => {
    script = { clusterStatuses: ["creating"], instanceStatuses: ["creating"] };
    const run = await slipway(
      dir,
      ["db", "drill", "-e", "production", "--infra", "outputs.json", "--timeout", "1", "--poll", "120", "--json"],
      env(),
    );
    expect(run.code).toBe(1);
    expect(run.final?.error?.code).toBe("DB_DRILL_FAILED");
    expect(String(run.final?.error?.message)).toMatch(/was not available within 60 s \(last: creating\)/);
    expect(String(run.final?.error?.hint)).toMatch(/--timeout MINUTES/);
    expect(actions()).not.toContain("CreateDBInstance");
    expect(actions().filter((a) => a.startsWith("Delete"))).toEqual(["DeleteDBCluster"]);
  }, 120_000);

  it("on Ctrl-C stops waiting, deletes the scratch cluster, and exits 130", async () => {
    script = { clusterStatuses: ["creating"], instanceStatuses: ["creating"] };
    const child = start(dir, ["db", "drill", "-e", "production", "--infra", "outputs.json", "--poll", "1"], env());
    for (let i = 0; i < 200 && clusterReads < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(clusterReads).toBeGreaterThanOrEqual(2);
    child.kill("SIGINT");
    const run = await finished(child);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/SIGINT: stopping the drill; the scratch cluster is deleted first/);
    expect(run.stderr).toMatch(/AWS drill interrupted \(SIGINT\)/);
    expect(actions().filter((a) => a.startsWith("Delete"))).toEqual(["DeleteDBCluster"]);
  }, 120_000);
});
