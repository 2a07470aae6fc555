import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import { parseInfraOutputs } from "./infra-outputs.js";

const fixture = readFileSync(new URL("../../test/fixtures/infra/outputs-production.json", import.meta.url), "utf8");

function failure(text: string): SlipwayError {
  try {
    parseInfraOutputs(text, "outputs.json");
  } catch (error) {
    if (error instanceof SlipwayError) return error;
    throw error;
  }
  throw new Error("parsed");
}

const entry = (value: unknown, type: unknown = "string") => ({ sensitive: false, type, value });

describe("parseInfraOutputs", () => {
  it("reads the recorded `terraform output -json`: every fixed name, other outputs (vpc_id) left out", () => {
    const outputs = parseInfraOutputs(fixture, "outputs.json");
    expect(outputs).toEqual({
      app_role_arn: "arn:aws:iam::123456789012:role/shop-production",
      cluster_endpoint: "https://5E1D0CEXAMPLEA591B746AFC5AB30262.gr7.eu-west-2.eks.amazonaws.com",
      cluster_name: "shop-production",
      database_endpoint: "shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com",
      database_engine: "postgres",
      database_master_secret_arn:
        "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rds!cluster-0a1b2c3d-4e5f-6789-abcd-ef0123456789-AbCdEf",
      database_name: "shop",
      database_cluster_id: "shop-production",
      database_port: 5432,
      ecr_repository_url: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop-production",
      region: "eu-west-2",
    });
  });

  it("an empty object (no state yet) and null values (count = 0) are no outputs", () => {
    expect(parseInfraOutputs("{}", "x")).toEqual({});
    expect(parseInfraOutputs(JSON.stringify({ app_role_arn: entry(null), region: entry("eu-west-2") }), "x")).toEqual({
      region: "eu-west-2",
    });
  });

  it.each([
    ["not JSON", "{ region = eu-west-2 }", /outputs\.json: not JSON/],
    ["a list", "[]", /expected an object of outputs, found a list/],
    [
      "a plain value instead of {sensitive,type,value}",
      JSON.stringify({ region: "eu-west-2" }),
      /output region is not an object with a "value"/,
    ],
    [
      "a port that is a string",
      JSON.stringify({ database_port: entry("5432") }),
      /database_port must be a port number from 1 to 65535, found "5432"/,
    ],
    ["a port out of range", JSON.stringify({ database_port: entry(70000, "number") }), /database_port must be a port number/],
    [
      "an engine slipway does not deploy",
      JSON.stringify({ database_engine: entry("aurora-mysql") }),
      /database_engine must be "mysql" or "postgres"/,
    ],
    [
      "an endpoint with its port",
      JSON.stringify({ database_endpoint: entry("db.example.com:5432") }),
      /database_endpoint must be a host name/,
    ],
    [
      "a cluster identifier with a double hyphen",
      JSON.stringify({ database_cluster_id: entry("shop--production") }),
      /database_cluster_id must be an RDS identifier/,
    ],
    [
      "a cluster identifier that is an ARN",
      JSON.stringify({ database_cluster_id: entry("arn:aws:rds:eu-west-2:123456789012:cluster:shop") }),
      /database_cluster_id must be an RDS identifier/,
    ],
    [
      "a role ARN that is no role",
      JSON.stringify({ app_role_arn: entry("arn:aws:iam::123456789012:user/bob") }),
      /app_role_arn must be an IAM role ARN/,
    ],
    [
      "a repository with a tag",
      JSON.stringify({ ecr_repository_url: entry("1.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0") }),
      /ecr_repository_url must be a repository without tag/,
    ],
    [
      "a sensitive flag that is no boolean",
      JSON.stringify({ region: { sensitive: "no", value: "eu-west-2" } }),
      /region\.sensitive is not true or false/,
    ],
    ["an empty string", JSON.stringify({ cluster_name: entry("") }), /cluster_name must be a non-empty string/],
  ])("%s: INFRA_OUTPUTS_INVALID naming the output, with a hint", (_, text, message) => {
    const error = failure(text);
    expect(error.code).toBe("INFRA_OUTPUTS_INVALID");
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/terraform output -json/);
    expect(error.location?.file).toBe("outputs.json");
  });

  it("a sensitive output's value is never quoted in the message", () => {
    const error = failure(JSON.stringify({ database_endpoint: { sensitive: true, type: "string", value: "s3cr3t value:1" } }));
    expect(error.message).toContain("sensitive, not shown");
    expect(error.message).not.toContain("s3cr3t");
  });
});
