import { describe, expect, it } from "vitest";
import { parseSpecText } from "../../spec/load.js";
import { buildModel, chooseEnvironment } from "../../spec/normalize.js";
import { validateSpec } from "../../spec/validate.js";
import { drillCheckCommand, drillCheckJob, drillCheckJobName, drillClientImage } from "./drill-check-job.js";

const spec = (engine: string, version: string) => `name: shop
app:
  image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0.0
  port: 3000
  health: { readiness: /ready }
database: { engine: ${engine}, version: "${version}" }
environments:
  production:
    target: kubernetes
    secretSource: { kubernetes-secret: shop-secrets }
`;

function model(engine: string, version: string) {
  const validated = validateSpec(parseSpecText(spec(engine, version), "slipway.yaml"));
  return buildModel(validated, chooseEnvironment(validated, "production"));
}

describe("the AWS drill's check Job", () => {
  const target = {
    scratch: "slipway-drill-shop-production-20261207093005-a1b2",
    host: "slipway-drill-x.cluster-abc.eu-west-2.rds.amazonaws.com",
    port: 5432,
  };

  it("runs the engine's client as the app's user against the scratch endpoint, password from the app's Secret only", () => {
    const job = drillCheckJob(model("postgres", "17"), target);
    expect(job?.metadata).toEqual({
      name: "shop-drill-check-7093005-a1b2",
      namespace: expect.any(String),
      labels: {
        "app.kubernetes.io/component": "drill-check",
        "app.kubernetes.io/instance": "shop",
        "app.kubernetes.io/managed-by": "slipway",
        "app.kubernetes.io/name": "shop",
        "slipway.dev/drill": target.scratch,
      },
    });
    const spec = job?.spec as { backoffLimit: number; activeDeadlineSeconds: number; template: { spec: Record<string, unknown> } };
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(300);
    const pod = spec.template.spec as {
      containers: Record<string, unknown>[];
      automountServiceAccountToken: boolean;
      restartPolicy: string;
    };
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.restartPolicy).toBe("Never");
    const container = pod.containers[0] as { image: string; env: unknown[]; securityContext: Record<string, unknown> };
    expect(container.image).toBe("docker.io/library/postgres:17-alpine");
    expect(container.env).toEqual([
      { name: "DB_HOST", value: target.host },
      { name: "DB_PORT", value: "5432" },
      { name: "DB_NAME", value: "shop" },
      { name: "DB_USER", value: "shop_app" },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "shop-database", key: "password" } } },
      { name: "HOME", value: "/tmp" },
    ]);
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  });

  it("fails on no table, and uses the MySQL client for Aurora MySQL", () => {
    expect(drillCheckCommand({ engine: "postgres" })[2]).toMatch(
      /^set -e; n=\$\(psql -X -v ON_ERROR_STOP=1 .*pg_tables.*\); echo "tables: \$n"; test "\$n" -gt 0$/,
    );
    expect(drillCheckCommand({ engine: "mysql" })[2]).toMatch(
      /^set -e; n=\$\(mysql --protocol=tcp .*TABLE_SCHEMA = DATABASE\(\).*\); echo "tables: \$n"; test "\$n" -gt 0$/,
    );
    expect(drillClientImage({ engine: "mysql", version: "8.0" })).toBe("docker.io/library/mysql:8.0");
    const job = drillCheckJob(model("mysql", "8.0"), { ...target, port: 3306 });
    expect(JSON.stringify(job)).toContain('"MYSQL_PWD"');
    expect(drillCheckJobName({ name: "a".repeat(60) }, target.scratch).length).toBeLessThanOrEqual(63);
  });
});
