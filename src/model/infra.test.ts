import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import { parseSpecText } from "../spec/load.js";
import { validateSpec } from "../spec/validate.js";
import { validateSpecFast } from "../spec/validate-fast.js";
import { infraSettings } from "./infra.js";

const spec = `name: shop
app:
  image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0.0
  health: /up
infra:
  region: eu-west-2
environments:
  staging:
    target: kubernetes
    infra: { tier: staging, network: { zones: 2 }, cluster: { publicAccessCidrs: [203.0.113.0/24] } }
  production:
    target: kubernetes
    infra: { state: { bucket: shop-state, key: prod.tfstate }, database: { service: rds } }
  local:
    target: local
`;

function validated(text: string) {
  return validateSpec(parseSpecText(text, "slipway.yaml"));
}

function ruleProblems(text: string): string[] {
  try {
    validated(text);
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    return [error, ...error.related].map((e) => `${e.location?.path?.join(".")}: ${e.message}`);
  }
  return [];
}

describe("infraSettings", () => {
  it("decides every default of one environment, with its overlay merged", () => {
    expect(infraSettings(validated(spec), "staging")).toEqual({
      region: "eu-west-2",
      accountId: "123456789012",
      stateBucket: "shop-tfstate-123456789012",
      stateKey: "shop/staging/terraform.tfstate",
      tier: "staging",
      network: { cidr: "10.0.0.0/16", zones: 2 },
      natGateways: "single",
      cluster: {
        name: "shop-staging",
        version: "1.33",
        compute: "managed-nodes",
        publicAccessCidrs: ["203.0.113.0/24"],
        nodes: { instanceTypes: ["m7i.large"], min: 2, max: 4 },
        admins: [],
      },
      database: { service: "aurora", deletionProtection: false, multiAz: false },
      registry: { keepImages: 30, untaggedDays: 7 },
      kms: false,
      logRetentionDays: 90,
    });
  });

  it("production: NAT per zone, a standby, deletion protection; the state where the spec says", () => {
    const s = infraSettings(validated(spec), "production");
    expect(s).toMatchObject({
      stateBucket: "shop-state",
      stateKey: "prod.tfstate",
      natGateways: "one-per-zone",
      network: { zones: 3 },
      database: { service: "rds", deletionProtection: true, multiAz: true },
    });
  });

  it("is undefined without an infra block or for an unknown environment", () => {
    expect(
      infraSettings(validated(spec.replace(/^infra:\n {2}region: eu-west-2\n/m, "").replace(/ {4}infra: .*\n/g, "")), "production"),
    ).toBe(undefined);
    expect(infraSettings(validated(spec), "nope")).toBe(undefined);
    expect(infraSettings(validated(spec), "__proto__")).toBe(undefined);
  });

  it("the fast validator gives the same settings as zod's", () => {
    const fast = validateSpecFast(parseSpecText(spec, "slipway.yaml"));
    expect(fast).toBeDefined();
    if (!fast) return;
    for (const env of ["staging", "production", "local"]) expect(infraSettings(fast, env)).toEqual(infraSettings(validated(spec), env));
  });

  it("rule: 2 zones only with tier staging", () => {
    expect(ruleProblems(spec.replace("tier: staging, ", ""))).toEqual([
      "environments.staging.infra.network.zones: must be 3 for tier production, got 2",
    ]);
  });

  it("rule: node group min ≤ max", () => {
    expect(ruleProblems(spec.replace("database: { service: rds }", "cluster: { nodes: { min: 5, max: 3 } }"))).toEqual([
      "environments.production.infra.cluster.nodes.min: must be ≤ max (3), got 5",
    ]);
  });

  it("rule: the state bucket needs an account ID or a name", () => {
    const ghcr = spec.replace("123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop", "ghcr.io/acme/shop");
    // staging (its overlay holds infra) and local (the base's); production names its bucket.
    expect(ruleProblems(ghcr)).toEqual([
      "infra.accountId: is needed to name the state bucket when the image is not in ECR",
      "environments.staging.infra.accountId: is needed to name the state bucket when the image is not in ECR",
    ]);
    expect(
      infraSettings(validated(ghcr.replace("region: eu-west-2", 'region: eu-west-2\n  accountId: "210987654321"')), "staging"),
    ).toMatchObject({
      accountId: "210987654321",
      stateBucket: "shop-tfstate-210987654321",
    });
  });

  it("an overlay-only infra block must still name its region", () => {
    const text = spec.replace(/^infra:\n {2}region: eu-west-2\n/m, "");
    expect(ruleProblems(text)[0]).toBe("environments.staging.infra.region: missing required key 'region' (expected a string)");
  });
});
