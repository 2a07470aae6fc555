import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AppModel } from "../model/app-model.js";
import { containerEnv, type KubeObject, renderKubernetes } from "../render/kubernetes/render-kubernetes.js";
import { parseInfraOutputs } from "./infra-outputs.js";
import { parseSpecText } from "./load.js";
import { buildModel } from "./normalize.js";
import { validateSpec } from "./validate.js";
import { withInfraOutputs } from "./with-infra-outputs.js";

const fixtures = new URL("../../test/fixtures/infra/", import.meta.url);
const outputs = parseInfraOutputs(readFileSync(new URL("outputs-production.json", fixtures), "utf8"), "outputs-production.json");

function specModel(edit: (text: string) => string = (t) => t): AppModel {
  const text = edit(readFileSync(new URL("slipway.yaml", fixtures), "utf8").replace("STATE_BUCKET", "shop-tfstate-123456789012"));
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  return buildModel(validated, validated.environments.production as NonNullable<(typeof validated.environments)[string]>);
}

const envOf = (entries: Record<string, unknown>[]) => Object.fromEntries(entries.map((e) => [e.name, e.value ?? e.valueFrom]));
const find = (objects: KubeObject[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as KubeObject & Record<string, unknown>;

describe("Terraform outputs into the Kubernetes render", () => {
  const objects = renderKubernetes(withInfraOutputs(specModel(), outputs));
  const deployment = find(objects, "Deployment");
  const container = (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] as {
    image: string;
    env: Record<string, unknown>[];
  };

  it("the image comes from ecr_repository_url, with the spec's tag", () => {
    expect(container.image).toBe("123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop-production:1.4.2");
  });

  it("the ServiceAccount carries app_role_arn for IRSA", () => {
    expect(find(objects, "ServiceAccount").metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/shop-production",
    });
  });

  it("DB_HOST is the database endpoint and DB_PORT its port; the password and DATABASE_URL still come from Secrets", () => {
    const env = envOf(container.env);
    expect(env.DB_HOST).toBe("shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com");
    expect(env.DB_PORT).toBe("5432");
    expect(env.DB_PASSWORD).toEqual({ secretKeyRef: { key: "password", name: "shop-database" } });
    expect(env.DATABASE_URL).toEqual({ secretKeyRef: { key: "url", name: "shop-database" } });
  });

  it("the release Jobs get the same endpoint (the setup Job too, as the admin user)", () => {
    const setup = envOf(containerEnv(withInfraOutputs(specModel(), outputs), "setup"));
    expect(setup.DB_HOST).toBe("shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com");
    expect(setup.DB_USER).toBe("slipway_admin");
  });

  it("without outputs the render is what the spec alone gives (host from the Secret, the spec's image and role name)", () => {
    const plain = renderKubernetes(specModel());
    const env = envOf(
      (
        (find(plain, "Deployment").spec as { template: { spec: { containers: { env: Record<string, unknown>[] }[] } } }).template.spec
          .containers[0] as { env: Record<string, unknown>[] }
      ).env,
    );
    expect(env.DB_HOST).toEqual({ secretKeyRef: { key: "host", name: "shop-database" } });
    expect(find(plain, "ServiceAccount").metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/shop-production",
    });
    expect(JSON.stringify(plain)).toContain("amazonaws.com/shop:1.4.2");
  });

  it("with AWS Secrets Manager the ExternalSecret templates write the endpoint in and read only passwords", () => {
    const m = withInfraOutputs(
      specModel((t) =>
        t.replace(
          "secretSource: { kubernetes-secret: shop-secrets }",
          "secretSource: { aws-secrets-manager: { prefix: shop/production/ } }",
        ),
      ),
      outputs,
    );
    const external = renderKubernetes(m).filter(
      (o) => o.kind === "ExternalSecret" && o.metadata.name === "shop-database",
    )[0] as KubeObject & {
      spec: { data: { secretKey: string }[]; target: { template: { data: Record<string, string> } } };
    };
    expect(external.spec.data.map((d) => d.secretKey)).toEqual(["password"]);
    expect(external.spec.target.template.data.host).toBe("shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com");
    expect(external.spec.target.template.data.url).toBe(
      'postgresql://shop_app:{{ .password | urlquery | replace "+" "%20" }}@shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com:5432/shop',
    );
  });

  it("a digest stays pinned on the outputs' repository; absent outputs change nothing", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const pinned = withInfraOutputs(
      { ...specModel(), image: { ...specModel().image, digest } },
      { ecr_repository_url: "1.dkr.ecr.eu-west-2.amazonaws.com/x" },
    );
    expect(pinned.image.ref).toBe(`1.dkr.ecr.eu-west-2.amazonaws.com/x@${digest}`);
    expect(withInfraOutputs(specModel(), {})).toEqual(specModel());
  });
});
