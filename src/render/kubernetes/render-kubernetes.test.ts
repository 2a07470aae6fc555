import { describe, expect, it } from "vitest";
import type { AppModel } from "../../model/app-model.js";
import { parseSpecText } from "../../spec/load.js";
import { buildModel } from "../../spec/normalize.js";
import { validateSpec } from "../../spec/validate.js";
import { probeHost } from "../probe-host.js";
import { containerEnv, type KubeObject, networkIngressRules, releaseJobName, renderKubernetes } from "./render-kubernetes.js";

function model(extra = "", tag = "1.0.0"): AppModel {
  const text = `name: shop
app:
  image: registry.example.com/shop:${tag}
  port: 5000
  health: /up
  release: { migrate: [flask, db, upgrade] }
${extra}environments:
  production: { target: kubernetes }
`;
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  return buildModel(validated, validated.environments.production as NonNullable<(typeof validated.environments)[string]>);
}

const envOf = (entries: Record<string, unknown>[]) => Object.fromEntries(entries.map((e) => [e.name, e.value ?? e.valueFrom]));

describe("the app contract in pods", () => {
  it("web pods get PORT (the container port) and HOST 0.0.0.0; release Jobs serve nothing and get neither", () => {
    const m = model();
    expect(envOf(containerEnv(m, "web"))).toMatchObject({
      HOST: "0.0.0.0",
      PORT: "5000",
      SLIPWAY_APP: "shop",
      SLIPWAY_ENVIRONMENT: "production",
    });
    expect(envOf(containerEnv(m, "migrate"))).not.toHaveProperty("PORT");
    expect(envOf(containerEnv(m, "migrate"))).not.toHaveProperty("HOST");
  });

  it("every HTTP probe sends Host: localhost, not the pod IP a host allow-list (Django, Rails) refuses", () => {
    const m = model("", "1.0.0");
    const withPaths = { ...m, health: { ...m.health, liveness: "/live" } };
    const deployment = renderKubernetes(withPaths).find((o) => o.kind === "Deployment") as KubeObject;
    const container = (deployment.spec as { template: { spec: { containers: Record<string, { httpGet?: unknown }>[] } } }).template.spec
      .containers[0] as Record<string, { httpGet?: unknown }>;
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(container[probe]?.httpGet, probe).toMatchObject({ httpHeaders: [{ name: "Host", value: probeHost }] });
    }
    expect(probeHost).toBe("localhost");
  });

  it("DATABASE_URL comes from the database Secret's url key, the admin one for setup", () => {
    const m = model("database: { engine: postgres }\n");
    expect(envOf(containerEnv(m, "web")).DATABASE_URL).toEqual({ secretKeyRef: { key: "url", name: "shop-database" } });
    expect(envOf(containerEnv(m, "setup")).DATABASE_URL).toEqual({ secretKeyRef: { key: "url", name: "shop-database-admin" } });
  });

  it("DATABASE_URL's scheme: postgresql and mysql by default, database.urlScheme when set", () => {
    expect(model("database: { engine: postgres }\n").database?.urlScheme).toBe("postgresql");
    expect(model("database: { engine: mysql }\n").database?.urlScheme).toBe("mysql");
    expect(model("database: { engine: mysql, urlScheme: mysql+pymysql }\n").database?.urlScheme).toBe("mysql+pymysql");
  });

  it("the ExternalSecret composes url with the password escaped", () => {
    const text = "database: { engine: postgres }\n";
    const m = model(text);
    const withAws: AppModel = {
      ...m,
      secrets: { ...m.secrets, source: { kind: "aws-secrets-manager", prefix: "shop/", refreshInterval: "1h", store: "aws" } },
    };
    const secret = renderKubernetes(withAws).find((o) => o.kind === "ExternalSecret" && o.metadata.name === "shop-database") as KubeObject;
    expect((secret.spec as { target: { template: { data: Record<string, string> } } }).target.template.data).toEqual({
      host: "{{ .host }}",
      password: "{{ .password }}",
      url: 'postgresql://shop_app:{{ .password | urlquery | replace "+" "%20" }}@{{ .host }}:5432/shop',
    });
  });
});

describe("network policy", () => {
  const inCluster = (m: AppModel) =>
    networkIngressRules(m)
      .filter((r) => JSON.stringify(r).includes('"ports":[{"port":"http"'))
      .map((r) => r.from);

  it("without an ingress, any pod in the cluster may reach the app's port by default", () => {
    expect(inCluster(model())).toEqual([[{ namespaceSelector: {} }]]);
  });

  it("app.allowFrom narrows it: own namespace, named namespaces, or nobody", () => {
    expect(inCluster(model("  allowFrom: namespace\n"))).toEqual([[{ podSelector: {} }]]);
    expect(inCluster(model("  allowFrom: [shop, web-frontend]\n"))).toEqual([
      [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web-frontend" } } }],
    ]);
    expect(inCluster(model("  allowFrom: none\n"))).toEqual([]);
  });
});

describe("release Job names", () => {
  it("change with the image or the command and stay the same otherwise", () => {
    const a = model();
    const job = (m: AppModel) => renderKubernetes(m).find((o) => o.kind === "Job")?.metadata.name;
    expect(job(a)).toMatch(/^shop-migrate-[0-9a-f]{10}$/);
    expect(job(a)).toBe(releaseJobName(a, "migrate", ["flask", "db", "upgrade"]));
    expect(job(model())).toBe(job(a));
    expect(job(model("", "1.0.1"))).not.toBe(job(a));
    expect(releaseJobName(a, "migrate", ["flask", "db", "upgrade", "--sql"])).not.toBe(job(a));
  });
});
