import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import { buildCiModel } from "./ci-model.js";
import { parseSpecText } from "./load.js";
import { validateSpec } from "./validate.js";
import { validateSpecFast } from "./validate-fast.js";

const base = `name: shop
app:
  image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0.0
  health: /health
environments:
  staging: { target: kubernetes }
  production: { target: kubernetes }
  dev: { target: local }
`;

function ci(extra: string) {
  return buildCiModel(validateSpec(parseSpecText(`${base}${extra}`, "slipway.yaml")));
}

describe("the ci: block", () => {
  it("defaults: main, every Kubernetes environment in spec order, account and region from the ECR image", () => {
    const model = ci("");
    expect(model.defaultBranch).toBe("main");
    expect(model.environments).toEqual(["staging", "production"]);
    expect(model.aws).toEqual({
      region: "eu-west-2",
      accountId: "123456789012",
      roleNames: {
        build: "shop-ci-build",
        staging: "shop-ci-staging",
        production: "shop-ci-production",
        "staging-plan": "shop-ci-staging-plan",
        "staging-infra": "shop-ci-staging-infra",
        "production-plan": "shop-ci-production-plan",
        "production-infra": "shop-ci-production-infra",
      },
      roleArns: {},
      eksClusters: {},
      oidcProvider: "create",
    });
    expect(model.github.subject).toBe("legacy");
    expect(model.provider).toBeUndefined();
    expect(model.gitlab.url).toBe("https://gitlab.com");
  });

  it("takes commands, naming rules, explicit ARNs and the subject switch", () => {
    const model = ci(`ci:
  defaultBranch: trunk
  install: [npm, ci]
  lint: [npm, run, lint]
  test: [npm, test]
  environments: [production]
  aws:
    roleName: deploy-{environment}
    eksCluster: "{name}-{environment}"
    roles: { production: "arn:aws:iam::210987654321:role/prod-deployer" }
  github: { subject: immutable, repository: acme/shop, ownerId: 11, repositoryId: 22 }
`);
    expect(model).toMatchObject({
      defaultBranch: "trunk",
      install: ["npm", "ci"],
      lint: ["npm", "run", "lint"],
      test: ["npm", "test"],
      environments: ["production"],
      aws: {
        roleNames: { build: "deploy-build", production: "deploy-production", "production-plan": "deploy-production-plan" },
        roleArns: { production: "arn:aws:iam::210987654321:role/prod-deployer" },
        eksClusters: { production: "shop-production" },
      },
      github: { subject: "immutable", repository: "acme/shop", ownerId: 11, repositoryId: 22 },
    });
  });

  it("the fast validator reads the block as zod does", () => {
    const text = `${base}ci:\n  install: [pip, install, -r, requirements.txt]\n  aws: { region: us-east-1 }\n  github: { subject: immutable }\n`;
    const slow = validateSpec(parseSpecText(text, "slipway.yaml"));
    const fast = validateSpecFast(parseSpecText(text, "slipway.yaml"));
    expect(fast?.spec.ci).toEqual(slow.spec.ci);
    expect(slow.spec.ci?.aws.roleName).toBe("{name}-ci-{environment}");
  });

  it.each([
    ["ci:\n  environments: [qa]\n", "ci.environments[0]: environment 'qa' is not in environments"],
    [
      "ci:\n  environments: [staging, dev]\n",
      "ci.environments[1]: environment 'dev' targets local; a pipeline deploys only Kubernetes environments",
    ],
  ])("%s → %s", (extra, message) => {
    let error: unknown;
    try {
      ci(extra);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe("SPEC_RULE");
    expect((error as SlipwayError).message).toBe(message);
    expect((error as SlipwayError).location?.line).toBeGreaterThan(8);
  });

  it.each([
    ["ci:\n  aws: { roles: { production: not-an-arn } }\n", "must be an IAM role ARN"],
    ["ci:\n  github: { subject: new }\n", "legacy"],
    ["ci:\n  pipeline: true\n", "unknown key 'pipeline'"],
  ])("schema refuses %s", (extra, message) => {
    expect(() => validateSpec(parseSpecText(`${base}${extra}`, "slipway.yaml"))).toThrow(message);
  });
});
