/**
 * The app contract (docs/app-contract.md) holds identically on the local target and on Kubernetes:
 * for one environment of one spec, the process the local target starts and the container the
 * Kubernetes render describes see the same variable names with the same values, except where the
 * contract says they differ (HOST, where the database is, secret values). The local side is the
 * real thing: the local target's own environment builder with its embedded PostgreSQL.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopPostgres } from "../../../src/effects/postgres-server.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { databaseUrl } from "../../../src/render/database-url.js";
import { type KubeObject, renderKubernetes } from "../../../src/render/kubernetes/render-kubernetes.js";
import { Redactor } from "../../../src/secrets/redact.js";
import { parseSpecText } from "../../../src/spec/load.js";
import { buildModel } from "../../../src/spec/normalize.js";
import { validateSpec } from "../../../src/spec/validate.js";
import { databaseStateDir, localTarget } from "../../../src/targets/local/local-target.js";
import { Cleanups, tempDir } from "./helpers.js";

const spec = `name: shop
app:
  image: registry.example.com/shop:1.4.2
  port: 5000
  command: [gunicorn, app:app]
  health: /up
  env: { APP_ENV: production, WORKERS: 3, FEATURE_X: true }
  secrets: [SECRET_KEY, MAIL_PASSWORD]
  release: { setup: [flask, db, create], migrate: [flask, db, upgrade] }
database: { engine: postgres, urlScheme: postgresql+psycopg }
environments:
  production: { target: local }
`;

const secretValues = { SECRET_KEY: "k3y", MAIL_PASSWORD: "m@il pass" };
/** What the team's database Secret holds on the cluster (slipway composes `url` from these). */
const cluster = { host: "shop.cluster-abc.eu-west-2.rds.amazonaws.com", password: "p@ss/w:rd 1", adminPassword: "4dmin+%" };

const cleanups = new Cleanups();
let model: AppModel;
let local: ReturnType<typeof localTarget>;

beforeAll(async () => {
  const appDir = await tempDir(cleanups, "contract");
  const stateDir = join(appDir, ".slipway", "production");
  cleanups.add(() => stopPostgres(databaseStateDir(stateDir, "postgres")));
  const validated = validateSpec(parseSpecText(spec, "slipway.yaml"));
  model = buildModel(validated, validated.environments.production as NonNullable<(typeof validated.environments)[string]>);
  local = localTarget({ appDir, stateDir, port: 4000, secrets: secretValues, proxyEntry: [], baseEnv: {}, redactor: new Redactor() });
}, 120_000);

afterAll(() => cleanups.run(), 120_000);

/** A container's environment as the kubelet builds it: envFrom ConfigMaps, then env (secrets resolved, `$(VAR)` expanded). */
function kubeEnv(objects: KubeObject[], container: Record<string, unknown>): Record<string, string> {
  const db = model.database as NonNullable<AppModel["database"]>;
  // slipway composes `url` into the database Secrets before anything reads them (kubernetes-target).
  const url = (user: string, password: string) =>
    databaseUrl({ scheme: db.urlScheme, user, password, host: cluster.host, port: db.port, name: db.name });
  const secrets: Record<string, Record<string, string>> = {
    [model.secrets.secretName]: secretValues,
    [db.secretName]: { host: cluster.host, password: cluster.password, url: url(db.user, cluster.password) },
    [db.adminSecretName]: { password: cluster.adminPassword, url: url(db.adminUser, cluster.adminPassword) },
  };
  const env: Record<string, string> = {};
  for (const from of (container.envFrom ?? []) as { configMapRef?: { name: string } }[]) {
    const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === from.configMapRef?.name);
    Object.assign(env, (map?.data ?? {}) as Record<string, string>);
  }
  for (const entry of (container.env ?? []) as {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
  }[]) {
    if (entry.value !== undefined) {
      env[entry.name] = entry.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
    } else if (entry.valueFrom?.secretKeyRef) {
      const value = secrets[entry.valueFrom.secretKeyRef.name]?.[entry.valueFrom.secretKeyRef.key];
      if (value === undefined) throw new Error(`no ${entry.valueFrom.secretKeyRef.name}/${entry.valueFrom.secretKeyRef.key}`);
      env[entry.name] = value;
    }
  }
  return env;
}

function containerOf(objects: KubeObject[], phase: "web" | "migrate" | "setup"): Record<string, unknown> {
  const owner =
    phase === "web"
      ? objects.find((o) => o.kind === "Deployment")
      : objects.find((o) => o.kind === "Job" && o.metadata.labels?.["slipway.dev/phase"] === phase);
  if (owner === undefined) throw new Error(`the render has no ${phase} workload`);
  const pod = (owner.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
  return pod.containers[0] as Record<string, unknown>;
}

/** The parts of a DATABASE_URL that do not depend on where the database runs. */
function urlShape(url: string) {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^:@/]*):([^@/]*)@([^/]+)\/([^/?#]+)$/.exec(url);
  if (!match) throw new Error(`not a database URL: ${url}`);
  return { scheme: match[1], user: decodeURIComponent(match[2] ?? ""), password: decodeURIComponent(match[3] ?? ""), name: match[5] };
}

/** Variables whose values differ by design, with the reason the contract gives. */
const differ = new Set([
  "HOST", // 127.0.0.1 on the local target (behind its proxy), 0.0.0.0 in containers
  "DB_HOST", // where each target's database runs
  "DB_PORT",
  "DB_PASSWORD", // secrets: each target's own
  "DB_APP_PASSWORD",
  "DATABASE_URL", // its host, port and password follow the above; compared by shape below
  "SECRET_KEY",
  "MAIL_PASSWORD",
]);

describe("the app contract: local and Kubernetes give the app the same environment", () => {
  for (const phase of ["web", "migrate", "setup"] as const) {
    it(`${phase}: the same variable names, the same values (secrets and the database's address aside)`, async () => {
      const objects = renderKubernetes(model);
      const onKube = kubeEnv(objects, containerOf(objects, phase));
      // The local target gives each instance its own port and probes it there; Kubernetes uses app.port.
      const onLocal = await local.appEnv(model, 7, phase === "web" ? model.port : undefined, phase);

      // Only the local target numbers its releases in the environment (a pod's template would change every deploy).
      const { SLIPWAY_REVISION, ...localShared } = onLocal;
      expect(SLIPWAY_REVISION).toBe("7");
      expect(Object.keys(localShared).sort()).toEqual(Object.keys(onKube).sort());
      for (const name of Object.keys(onKube)) {
        if (!differ.has(name)) expect(localShared[name], name).toBe(onKube[name]);
      }

      if (phase === "web") {
        expect([onLocal.HOST, onKube.HOST]).toEqual(["127.0.0.1", "0.0.0.0"]);
        expect(onKube.PORT).toBe("5000");
      } else {
        expect(onKube).not.toHaveProperty("PORT");
      }
      expect({ local: onLocal.SECRET_KEY, kube: onKube.SECRET_KEY }).toEqual({ local: "k3y", kube: "k3y" });

      // DATABASE_URL: the same scheme, user and database on both; each password decodes back intact.
      const [l, k] = [urlShape(onLocal.DATABASE_URL as string), urlShape(onKube.DATABASE_URL as string)];
      expect({ ...l, password: "" }).toEqual({ ...k, password: "" });
      expect(l).toMatchObject({ scheme: "postgresql+psycopg", user: onLocal.DB_USER, password: onLocal.DB_PASSWORD, name: "shop" });
      expect(k).toMatchObject({ user: onKube.DB_USER, password: onKube.DB_PASSWORD });
    }, 120_000);
  }
});
