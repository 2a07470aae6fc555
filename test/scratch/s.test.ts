import { test } from "vitest";
import { parseSpecText } from "../../src/spec/load.js";
import { validateSpec } from "../../src/spec/validate.js";
import { buildModel, chooseEnvironment } from "../../src/spec/normalize.js";
import { renderKubernetes } from "../../src/render/kubernetes/render-kubernetes.js";
import { toYamlStream } from "../../src/render/yaml-stream.js";
const text = `name: shop
app:
  image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0
  port: 3000
  health: { readiness: /ready, liveness: /up, readinessChecksDatabase: true }
  env: { RAILS_ENV: production, FOO: 1 }
  secrets: [SECRET_KEY_BASE]
  metrics: { port: 9394 }
  release: { migrate: [bin/rails, db:migrate], setup: [bin/rails, db:create] }
  egress: [{ host: api.stripe.com, port: 443 }]
  aws: { s3: { shop-uploads: [read, write] } }
database:
  engine: mysql
ingress:
  host: shop.example.com
environments:
  production:
    target: kubernetes
    secretSource: { aws-secrets-manager: { prefix: shop/production/ } }
    app: { scale: { min: 3, max: 10 } }
`;
test("x", () => {
  const v = validateSpec(parseSpecText(text, "slipway.yaml"));
  const m = buildModel(v, chooseEnvironment(v, "production"));
  console.log(toYamlStream(renderKubernetes(m)));
});
