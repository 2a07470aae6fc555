import { describe, expect, it } from "vitest";
import { parseSpecText } from "./load.js";
import { buildModel } from "./normalize.js";
import { validateSpec } from "./validate.js";

const spec = `name: shop
app:
  image: example.com/shop:1.0.0
  port: 8080
  health: /health
  secrets: [SECRET_KEY]
environments:
  local:
    target: local
  production:
    target: server
  staging:
    target: kubernetes
targets:
  server:
    type: host
    ssh: deploy@203.0.113.7
`;

function sourceOf(environment: string) {
  const validated = validateSpec(parseSpecText(spec, "slipway.yaml"));
  const env = validated.environments[environment];
  if (!env) throw new Error(`no environment ${environment}`);
  return buildModel(validated, env, { tag: "1.0.0" }).secrets.source;
}

describe("where an environment without a secretSource reads its secret values", () => {
  it("local: .slipway/secrets.env (the values init makes up for this machine)", () => {
    expect(sourceOf("local")).toEqual({ kind: "env-file", path: ".slipway/secrets.env" });
  });

  it("host: a file of its own, .slipway/<env>.env, never the local environment's random values", () => {
    expect(sourceOf("production")).toEqual({ kind: "env-file", path: ".slipway/production.env" });
  });

  it("kubernetes: the cluster's Secret <app>-secrets", () => {
    expect(sourceOf("staging")).toEqual({ kind: "kubernetes-secret", name: "shop-secrets" });
  });
});
