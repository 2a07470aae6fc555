/**
 * The deploy engine with the Kubernetes target, history and lock against the real test control
 * plane; pod behaviour comes from the kwok stage markers in the image name (test/cluster/README.md).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type DeployResult, deploy } from "../../../src/deploy/engine.js";
import { CollectingReporter } from "../../../src/deploy/events.js";
import type { ReleaseRecord } from "../../../src/deploy/history.js";
import { createKubeApi, type HttpKubeApi } from "../../../src/effects/kube/http-kube-api.js";
import type { KubeApi, KubeObject } from "../../../src/effects/kube/kube-api.js";
import { loadKubeconfig } from "../../../src/effects/kube/kubeconfig.js";
import type { AppModel } from "../../../src/model/app-model.js";
import { databaseUrl } from "../../../src/render/database-url.js";
import { releaseJobName, renderKubernetes } from "../../../src/render/kubernetes/render-kubernetes.js";
import { kubeHistory } from "../../../src/targets/kubernetes/kube-history.js";
import { kubeLock } from "../../../src/targets/kubernetes/kube-lock.js";
import {
  applyOrder,
  composedUrlAnnotation,
  type KubernetesTargetOptions,
  kubernetesTarget,
  objectRef,
} from "../../../src/targets/kubernetes/kubernetes-target.js";
import { PollCache } from "../../../src/targets/kubernetes/observe.js";
import { rolloutVerdict } from "../../../src/targets/kubernetes/rollout.js";
import { timeoutAnnotation } from "../../../src/targets/kubernetes/timeouts.js";
import { kubectlOk } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";
import { seedSecrets } from "../../cluster/secrets.js";
import { loadExamples } from "../../helpers/examples.js";

const kubeconfig = inject("kubeconfig");

let kube: HttpKubeApi;
const namespaces: TestNamespace[] = [];

beforeAll(async () => {
  kube = createKubeApi(await loadKubeconfig(kubeconfig));
});

afterAll(async () => {
  kube?.close();
  for (const ns of namespaces) await ns.delete();
});

function baseModel(): AppModel {
  const example = loadExamples().find((e) => e.name === "node-postgres");
  const model = example?.kubeModels.find((m) => m.environment === "staging");
  if (model === undefined) throw new Error("examples/node-postgres has no staging model");
  return model;
}

/** A namespace of its own, with the Secrets the release reads already created (unless told not to). */
async function freshModel(prefix: string, options: { secrets?: boolean; values?: Record<string, string> } = {}): Promise<AppModel> {
  const ns = await createNamespace(kubeconfig, { prefix });
  namespaces.push(ns);
  const model = { ...structuredClone(baseModel()), namespace: ns.name };
  if (options.secrets !== false) await seedSecrets(kubeconfig, model, ns.name, options.values);
  return model;
}

function withImage(model: AppModel, repository: string, tag: string): AppModel {
  return { ...model, image: { repository, tag, digest: undefined, ref: `${repository}:${tag}` } };
}

async function run(
  model: AppModel,
  reporter = new CollectingReporter(),
  rollbackTo?: number,
  secretValues?: Record<string, string>,
  more: { api?: KubeApi; target?: Partial<KubernetesTargetOptions> } = {},
): Promise<DeployResult> {
  const api = more.api ?? kube;
  const history = kubeHistory({ api, app: model.name, environment: model.environment, namespace: model.namespace });
  return deploy({
    model,
    target: kubernetesTarget({
      api,
      history,
      timeouts: { jobMs: 60_000, rolloutMs: 60_000 },
      ...(secretValues ? { secretValues } : {}),
      ...more.target,
    }),
    history,
    lock: kubeLock({ api, app: model.name, environment: model.environment, namespace: model.namespace }),
    reporter,
    specHash: "test",
    git: undefined,
    who: { user: "test", host: "test", pid: process.pid },
    secrets: { names: [] },
    waitForLock: true,
    lockTimeoutMs: 120_000,
    keepReleases: 5,
    rollbackTo,
  });
}

/** The record a deploy killed mid-way leaves: in progress, by a process that is gone. */
function leftInProgress(model: AppModel, revision: number, ref: string, runtime: Record<string, unknown> = {}): ReleaseRecord {
  return {
    revision,
    app: model.name,
    environment: model.environment,
    target: "kubernetes",
    specHash: "test",
    artifact: { kind: "image", ref },
    git: undefined,
    who: { user: "gone", host: "elsewhere", pid: 999_999 },
    startedAt: new Date(0).toISOString(),
    finishedAt: undefined,
    phases: [],
    outcome: "in-progress",
    rollbackOf: undefined,
    failure: undefined,
    secrets: { names: [] },
    runtime,
  };
}

async function deploymentOf(model: AppModel): Promise<KubeObject> {
  const deployment = await kube.get("apps/v1", "Deployment", model.namespace, model.name);
  if (deployment === undefined) throw new Error(`deployment/${model.name} is missing`);
  return deployment;
}

/** The migrate Job's name for the model's image and command (render/kubernetes releaseJobName). */
function migrateJob(model: AppModel): string {
  return releaseJobName(model, "migrate", model.release.migrate ?? []);
}

function imageOf(deployment: KubeObject): string | undefined {
  const spec = deployment.spec as { template?: { spec?: { containers?: { image?: string }[] } } };
  return spec.template?.spec?.containers?.[0]?.image;
}

function available(deployment: KubeObject): boolean {
  const status = deployment.status as { conditions?: { type: string; status: string }[] } | undefined;
  return status?.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false;
}

async function records(model: AppModel) {
  return kubeHistory({ api: kube, app: model.name, environment: model.environment, namespace: model.namespace }).list();
}

describe("kubernetes target", () => {
  it("deploys: Deployment available, migration Job complete, history recorded in the cluster", async () => {
    const model = withImage(await freshModel("k8s-happy"), "registry.test/node-postgres", "1");
    const reporter = new CollectingReporter();
    const result = await run(model, reporter);
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({ ok: true, revision: 1, serving: 1 });
    if ((await kube.discover("monitoring.coreos.com/v1", "ServiceMonitor")) === undefined) {
      const skipped = reporter.events.filter((e) => e.type === "waiting" && e.message.startsWith("skipped ServiceMonitor/"));
      expect(skipped).toHaveLength(1);
    }
    const deployment = await deploymentOf(model);
    expect(available(deployment)).toBe(true);
    expect(imageOf(deployment)).toBe("registry.test/node-postgres:1");
    const job = await kube.get("batch/v1", "Job", model.namespace, migrateJob(model));
    expect(job).toBeDefined();
    const history = await records(model);
    expect(history.map((r) => [r.revision, r.outcome])).toEqual([[1, "succeeded"]]);
    // Names and keyed fingerprints of the Secrets the release read; never a value, never a bare hash.
    expect(history[0]?.runtime.secrets).toEqual({
      [model.database?.secretName as string]: expect.stringMatching(/^hmac-sha256:[0-9a-f]{64}$/),
    });
    const key = await kube.get("v1", "Secret", model.namespace, `slipway-${model.name}-${model.environment}-fingerprint-key`);
    expect(Buffer.from(((key?.data ?? {}) as { key?: string }).key ?? "", "base64")).toHaveLength(32);
    const stored = await kubeHistory({ api: kube, app: model.name, environment: model.environment, namespace: model.namespace }).objects(1);
    expect(stored?.map((o) => o.kind)).toContain("Deployment");
    expect(stored?.some((o) => o.kind === "Secret")).toBe(false);
    expect(
      await kube.get("coordination.k8s.io/v1", "Lease", model.namespace, `slipway-${model.name}-${model.environment}`),
    ).toBeUndefined();
  });

  it("rolls a crash-looping release back to the previous image", async () => {
    const model = withImage(await freshModel("k8s-crash"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    const reporter = new CollectingReporter();
    // Without release.migrate: a Job pod of this image would fail too (restartPolicy Never), stopping the deploy earlier.
    const crashing = { ...withImage(model, "registry.test/sim-crashloop", "2"), release: { setup: undefined, migrate: undefined } };
    const result = await run(crashing, reporter);
    expect(result.ok).toBe(false);
    expect(result.failure?.class).toBe("crash-loop");
    expect(result.failure?.message).toMatch(new RegExp(`^deploy staging: rollout of deployment/${model.name}: `));
    expect(result.failure?.evidence).toMatchObject({ image: "registry.test/sim-crashloop:2" });
    expect(result.serving).toBe(1);
    expect(reporter.events.some((e) => e.type === "rolled-back" && e.to === 1)).toBe(true);
    const deployment = await deploymentOf(model);
    expect(imageOf(deployment)).toBe("registry.test/node-postgres:1");
    expect(available(deployment)).toBe(true);
    expect((await records(model)).map((r) => [r.revision, r.outcome])).toEqual([
      [1, "succeeded"],
      [2, "failed"],
    ]);
  });

  it("stops at a failed migration and leaves the Deployment untouched", async () => {
    const model = withImage(await freshModel("k8s-migrate"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    const before = await deploymentOf(model);
    // The Job runs the release's image; with restartPolicy Always the Deployment would ignore the marker.
    const result = await run(withImage(model, "registry.test/sim-fail", "2"));
    expect(result.ok).toBe(false);
    expect(result.failure?.class).toBe("migration-failed");
    expect(result.failure?.message).toContain(`migrate job/${migrateJob(withImage(model, "registry.test/sim-fail", "2"))}`);
    const config = await kube.get("v1", "ConfigMap", model.namespace, `${model.name}-env`);
    expect(config?.metadata.labels?.["app.kubernetes.io/version"]).toBe("1");
    const after = await deploymentOf(model);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(imageOf(after)).toBe("registry.test/node-postgres:1");
  });

  it("makes a second concurrent deploy wait on the Lease", async () => {
    const model = withImage(await freshModel("k8s-lock"), "registry.test/node-postgres", "1");
    const reporters = [new CollectingReporter(), new CollectingReporter()];
    const results = await Promise.all([run(model, reporters[0]), run(withImage(model, "registry.test/node-postgres", "2"), reporters[1])]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results.map((r) => r.revision).sort()).toEqual([1, 2]);
    const waited = reporters.filter((r) => r.events.some((e) => e.type === "waiting" && e.phase === "lock"));
    expect(waited).toHaveLength(1);
  });
});

describe("kubernetes target: DATABASE_URL", () => {
  it("is composed into the database Secret from host and password, any password, and recomposed when it changes", async () => {
    const model = withImage(await freshModel("k8s-dburl"), "registry.test/node-postgres", "1");
    const db = model.database as NonNullable<AppModel["database"]>;
    const setSecret = (data: Record<string, string>) =>
      kubectlOk(kubeconfig, ["apply", "--server-side", "--force-conflicts", "--field-manager", "test-seed", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: db.secretName, namespace: model.namespace },
          stringData: data,
        }),
      });
    const urlOf = async () => {
      const secret = await kube.get("v1", "Secret", model.namespace, db.secretName);
      const url = (secret?.data as Record<string, string> | undefined)?.url;
      return {
        url: url === undefined ? undefined : Buffer.from(url, "base64").toString("utf8"),
        marked: secret?.metadata.annotations?.[composedUrlAnnotation],
      };
    };
    const expected = (password: string) =>
      databaseUrl({ scheme: db.urlScheme, user: db.user, password, host: "db.internal", port: db.port, name: db.name });
    await kube.delete("v1", "Secret", model.namespace, db.secretName);
    const password = "p@ss/w:rd %+$(DB_USER)";
    await setSecret({ host: "db.internal", password });

    const reporter = new CollectingReporter();
    const first = await run(model, reporter);
    expect(first.failure).toBeUndefined();
    expect(await urlOf()).toMatchObject({ url: expected(password), marked: expect.any(String) });
    expect(
      reporter.events.some(
        (e) =>
          e.type === "waiting" &&
          e.message === `wrote key url of secret/${db.secretName} (DATABASE_URL composed from its host and password, values not shown)`,
      ),
    ).toBe(true);
    // Never a value in what slipway says.
    expect(JSON.stringify(reporter.events)).not.toContain("p%40ss");

    await setSecret({ host: "db.internal", password: "rotated" });
    expect((await run(withImage(model, "registry.test/node-postgres", "2"))).ok).toBe(true);
    expect((await urlOf()).url).toBe(expected("rotated"));
  });

  it("a url the team wrote itself is left alone", async () => {
    const model = withImage(
      await freshModel("k8s-dburl-own", { values: { url: "postgresql://own@db.internal/x?sslmode=require" } }),
      "registry.test/node-postgres",
      "1",
    );
    expect((await run(model)).ok).toBe(true);
    const secret = await kube.get("v1", "Secret", model.namespace, model.database?.secretName as string);
    expect(Buffer.from((secret?.data as Record<string, string> | undefined)?.url ?? "", "base64").toString("utf8")).toBe(
      "postgresql://own@db.internal/x?sslmode=require",
    );
  });
});

describe("kubernetes target: crash safety and cleanup", () => {
  it("replaces a Job of the same name left by an interrupted run instead of failing with already exists", async () => {
    const model = withImage(await freshModel("k8s-adopt"), "registry.test/node-postgres", "1");
    await kube.apply(
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: migrateJob(model), namespace: model.namespace },
        spec: {
          backoffLimit: 0,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "registry.test/sim-fail:0" }] } },
        },
      },
      { fieldManager: "someone-else" },
    );
    const reporter = new CollectingReporter();
    const result = await run(model, reporter);
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(reporter.events.some((e) => e.type === "waiting" && e.message.includes("left by an interrupted run"))).toBe(true);
  });

  it("marks a release left in progress as interrupted and takes over an expired Lease", async () => {
    const model = withImage(await freshModel("k8s-recover"), "registry.test/node-postgres", "1");
    const history = kubeHistory({ api: kube, app: model.name, environment: model.environment, namespace: model.namespace });
    await history.put(leftInProgress(model, 1, model.image.ref));
    await kube.apply(
      {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: `slipway-${model.name}-${model.environment}`, namespace: model.namespace },
        spec: { holderIdentity: "999999@elsewhere", leaseDurationSeconds: 15, renewTime: "2020-01-01T00:00:00.000000Z" },
      },
      { fieldManager: "dead-deploy" },
    );
    const reporter = new CollectingReporter();
    const result = await run(model, reporter);
    expect(result).toMatchObject({ ok: true, revision: 2 });
    expect(reporter.events.filter((e) => e.type === "recovered").map((e) => e.revision)).toEqual([0, 1]);
    expect((await records(model)).map((r) => [r.revision, r.outcome])).toEqual([
      [1, "interrupted"],
      [2, "succeeded"],
    ]);
  });

  it("fails at once on a live Lease when told not to wait", async () => {
    const model = withImage(await freshModel("k8s-locked"), "registry.test/node-postgres", "1");
    const lock = kubeLock({ api: kube, app: model.name, environment: model.environment, namespace: model.namespace });
    const held = await lock.acquire("slipway deploy (test)", { wait: false, timeoutMs: 0 });
    try {
      const other = kubeLock({ api: kube, app: model.name, environment: model.environment, namespace: model.namespace });
      await expect(other.acquire("slipway deploy (second)", { wait: false, timeoutMs: 0 })).rejects.toMatchObject({
        code: "DEPLOY_LOCKED",
      });
      expect(await other.inspect()).toMatchObject({ pid: process.pid, command: "slipway deploy (test)" });
    } finally {
      await held.release();
    }
    expect(await lock.inspect()).toBeUndefined();
  });

  it("removes the Deployment when the first release fails (nothing served before)", async () => {
    const model = withImage(await freshModel("k8s-first"), "registry.test/sim-crashloop", "1");
    const result = await run({ ...model, release: { setup: undefined, migrate: undefined } });
    expect(result.ok).toBe(false);
    expect(result.serving).toBeUndefined();
    expect(await kube.get("apps/v1", "Deployment", model.namespace, model.name)).toBeUndefined();
  });

  it("prunes objects the new release no longer renders", async () => {
    const base = withImage(await freshModel("k8s-prune"), "registry.test/node-postgres", "1");
    const model = { ...base, replicas: { ...base.replicas, disruptionBudget: true } };
    expect((await run(model)).ok).toBe(true);
    expect(await kube.get("policy/v1", "PodDisruptionBudget", model.namespace, model.name)).toBeDefined();
    const without = { ...withImage(model, "registry.test/node-postgres", "2"), replicas: { ...model.replicas, disruptionBudget: false } };
    expect((await run(without)).ok).toBe(true);
    expect(await kube.get("policy/v1", "PodDisruptionBudget", model.namespace, model.name)).toBeUndefined();
  });
});

describe("kubernetes target: first deploy into a new namespace", () => {
  it("creates the namespace (with the rendered Pod Security labels) before writing history and the lock", async () => {
    const name = `k8s-newns-${process.pid}-${Date.now().toString(36)}`;
    namespaces.push({ name, kubeconfig, delete: async () => void (await kube.delete("v1", "Namespace", undefined, name)) });
    const model = { ...withImage(structuredClone(baseModel()), "registry.test/node-postgres", "1"), namespace: name };
    // Nobody could have created the database Secret in a namespace that did not exist: the first
    // deploy creates the namespace, then stops and says which Secret to create and how.
    const first = await run(model);
    expect(first.ok).toBe(false);
    expect(first.failure?.class).toBe("config-error");
    expect(first.failure?.message).toContain(`Secret ${name}/${model.database?.secretName} does not exist`);
    expect(first.failure?.evidence.detail).toContain(`kubectl -n ${name} create secret generic ${model.database?.secretName}`);
    expect(await kube.get("apps/v1", "Deployment", name, model.name)).toBeUndefined();
    await seedSecrets(kubeconfig, model, name);
    const result = await run(model);
    expect(result.failure).toBeUndefined();
    const ns = await kube.get("v1", "Namespace", undefined, name);
    expect(ns?.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "slipway",
      "pod-security.kubernetes.io/audit": "restricted",
    });
    expect((await records(model)).map((r) => r.outcome)).toEqual(["failed", "succeeded"]);
  });
});

describe("kubernetes target: rollback --to", () => {
  it("re-applies the objects an earlier revision applied, without migrating", async () => {
    const model = withImage(await freshModel("k8s-rollback"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    expect((await run(withImage(model, "registry.test/node-postgres", "2"))).ok).toBe(true);
    const reporter = new CollectingReporter();
    const result = await run(withImage(model, "registry.test/node-postgres", "3"), reporter, 1);
    expect(result).toMatchObject({ ok: true, revision: 3 });
    expect(reporter.events.some((e) => e.type === "phase-skipped" && e.phase === "migrate")).toBe(true);
    expect(imageOf(await deploymentOf(model))).toBe("registry.test/node-postgres:1");
    const latest = (await records(model)).at(-1);
    expect(latest).toMatchObject({ revision: 3, rollbackOf: 1, artifact: { kind: "image", ref: "registry.test/node-postgres:1" } });
  });
});

describe("kubernetes target: field ownership", () => {
  it("names the other field manager on a conflict and changes nothing else", async () => {
    const model = withImage(await freshModel("k8s-conflict"), "registry.test/node-postgres", "1");
    const [key] = model.env[0] ?? [];
    if (key === undefined) throw new Error("examples/node-postgres has no env");
    await kube.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `${model.name}-env`, namespace: model.namespace },
        data: { [key]: "edited" },
      },
      { fieldManager: "kubectl-edit" },
    );
    const result = await run(model);
    expect(result.ok).toBe(false);
    expect(result.failure?.message).toContain("kubectl-edit");
    expect(result.failure?.message).toContain(`apply ConfigMap/${model.name}-env`);
    expect(result.failure?.class).toBe("apply-conflict");
    expect(await kube.get("apps/v1", "Deployment", model.namespace, model.name)).toBeUndefined();

    // --force-conflicts: slipway takes the field over and the deploy goes through.
    const forced = await run(model, new CollectingReporter(), undefined, undefined, { target: { forceConflicts: true } });
    expect(forced.failure).toBeUndefined();
    const config = await kube.get("v1", "ConfigMap", model.namespace, `${model.name}-env`);
    expect(((config?.data ?? {}) as Record<string, string>)[key]).toBe(model.env.find(([k]) => k === key)?.[1]);
    const owners = ((config?.metadata.managedFields ?? []) as { manager: string; fieldsV1?: { "f:data"?: Record<string, unknown> } }[])
      .filter((f) => f.fieldsV1?.["f:data"]?.[`f:${key}`] !== undefined)
      .map((f) => f.manager);
    expect(owners).toEqual(["slipway"]);
  });
});

/** Deploys revision 1 healthy, then `broken` (no migration, so the rollout itself meets the problem). */
async function failedSecondRelease(prefix: string, broken: (model: AppModel) => AppModel) {
  const model = withImage(await freshModel(prefix), "registry.test/node-postgres", "1");
  expect((await run(model)).ok).toBe(true);
  const before = await deploymentOf(model);
  const reporter = new CollectingReporter();
  const result = await run({ ...broken(model), release: { setup: undefined, migrate: undefined } }, reporter);
  expect(result.ok).toBe(false);
  expect(result.serving).toBe(1);
  expect(reporter.events.some((e) => e.type === "rolled-back" && e.to === 1)).toBe(true);
  const after = await deploymentOf(model);
  expect(imageOf(after)).toBe("registry.test/node-postgres:1");
  expect(available(after)).toBe(true);
  expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation ?? 0);
  return { model, result, reporter };
}

describe("kubernetes target: each failure is classified, explained and rolled back", () => {
  it("bad image: image-pull, with the image and the pull error", async () => {
    const { result } = await failedSecondRelease("k8s-image", (m) => withImage(m, "registry.test/sim-imagepull", "2"));
    expect(result.failure?.class).toBe("image-pull");
    expect(result.failure?.message).toMatch(/ErrImagePull|ImagePullBackOff/);
    expect(result.failure?.evidence).toMatchObject({ image: "registry.test/sim-imagepull:2" });
  });

  it("out of memory: oom-killed, with exit code 137", async () => {
    const { result } = await failedSecondRelease("k8s-oom", (m) => withImage(m, "registry.test/sim-oom", "2"));
    expect(result.failure?.class).toBe("oom-killed");
    expect(result.failure?.message).toContain("OOMKilled");
  });

  it("no node has room: unschedulable, with the scheduler's event", async () => {
    const { result } = await failedSecondRelease("k8s-sched", (m) => ({
      ...withImage(m, "registry.test/node-postgres", "2"),
      resources: { requests: { cpu: "64", memory: "128Mi" }, limits: { cpu: "64", memory: "128Mi" } },
    }));
    expect(result.failure?.class).toBe("unschedulable");
    expect(result.failure?.message).toMatch(/Insufficient cpu/);
    expect(result.failure?.evidence.events?.join("\n")).toMatch(/FailedScheduling/);
  });

  it("running but never Ready within the startup timeout: health-failed", async () => {
    // sim-slow pods become Ready after 8 s; the spec allows 2 s.
    const { result } = await failedSecondRelease("k8s-ready", (m) => ({
      ...withImage(m, "registry.test/sim-slow", "2"),
      health: { ...m.health, startup: { ...m.health.startup, timeoutSeconds: 2 } },
    }));
    expect(result.failure?.class).toBe("health-failed");
    expect(result.failure?.message).toMatch(/not ready|Ready/i);
  });

  it("the kubelet cannot build the container's config: config-error", async () => {
    const { result } = await failedSecondRelease("k8s-config", (m) => withImage(m, "registry.test/sim-configerror", "2"));
    expect(result.failure?.class).toBe("config-error");
    expect(result.failure?.message).toContain("CreateContainerConfigError");
  });
});

describe("kubernetes target: secrets", () => {
  it("a missing Secret key stops the deploy before the migration or the Deployment, naming the key", async () => {
    const model = withImage(await freshModel("k8s-secretkey"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    const before = await deploymentOf(model);
    const secretName = model.database?.secretName as string;
    await kube.delete("v1", "Secret", model.namespace, secretName);
    await kube.apply(
      { apiVersion: "v1", kind: "Secret", metadata: { name: secretName, namespace: model.namespace }, stringData: { host: "db" } },
      { fieldManager: "test-seed" },
    );
    const result = await run(withImage(model, "registry.test/node-postgres", "2"));
    expect(result.ok).toBe(false);
    expect(result.failure?.class).toBe("config-error");
    // Without a password slipway cannot compose url either: both are named.
    expect(result.failure?.message).toContain(`Secret ${model.namespace}/${secretName} has no keys password, url`);
    expect(result.failure?.message).toContain(`Job/${model.name}-migrate-`);
    expect(result.failure?.evidence.detail).toContain("--from-literal=password=…");
    expect(result.failure?.evidence.detail).not.toContain("--from-literal=url=");
    expect(
      await kube.get("batch/v1", "Job", model.namespace, migrateJob(withImage(model, "registry.test/node-postgres", "2"))),
    ).toBeUndefined();
    const after = await deploymentOf(model);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(imageOf(after)).toBe("registry.test/node-postgres:1");
  });

  it("the setup Job's admin Secret is needed on the first deploy only", async () => {
    const base = withImage(structuredClone(baseModel()), "registry.test/node-postgres", "1");
    const withSetup: AppModel = { ...base, release: { ...base.release, setup: ["node", "setup.js"] } };
    const ns = await createNamespace(kubeconfig, { prefix: "k8s-setup" });
    namespaces.push(ns);
    const model = { ...withSetup, namespace: ns.name };
    await seedSecrets(kubeconfig, model, ns.name);
    const admin = model.database?.adminSecretName as string;
    expect(await kube.get("v1", "Secret", ns.name, admin)).toBeDefined();
    expect((await run(model)).ok).toBe(true);
    // Once the database exists the admin password can go away (e.g. rotated out of the namespace).
    await kube.delete("v1", "Secret", ns.name, admin);
    const second = await run(withImage(model, "registry.test/node-postgres", "2"));
    expect(second.failure).toBeUndefined();
    const secondSetup = releaseJobName(withImage(model, "registry.test/node-postgres", "2"), "setup", ["node", "setup.js"]);
    expect(await kube.get("batch/v1", "Job", ns.name, secondSetup)).toBeUndefined();
  });

  it("aws-secrets-manager: a Secret no External Secrets operator creates stops the deploy and says why", async () => {
    const base = withImage(await freshModel("k8s-eso", { secrets: false }), "registry.test/node-postgres", "1");
    const model: AppModel = {
      ...base,
      secrets: { ...base.secrets, source: { kind: "aws-secrets-manager", prefix: "shop/", refreshInterval: "1h", store: "aws" } },
    };
    // Another test file may have installed a stand-in ExternalSecret CRD (no operator behind it) in this shared cluster.
    const installed = (await kube.discover("external-secrets.io/v1", "ExternalSecret")) !== undefined;
    const reporter = new CollectingReporter();
    const result = await run(model, reporter, undefined, undefined, { target: { externalSecretsMs: 2_000 } });
    expect(result.ok).toBe(false);
    expect(result.failure?.class).toBe("config-error");
    if (installed) {
      expect(result.failure?.evidence.detail).toContain(`External Secrets did not create secret/${model.database?.secretName} within 2 s`);
      expect(reporter.events.some((e) => e.type === "waiting" && e.message.startsWith("waiting for External Secrets to create"))).toBe(
        true,
      );
    } else {
      expect(result.failure?.evidence.detail).toContain("External Secrets is not installed");
      expect(reporter.events.some((e) => e.type === "waiting" && e.message.startsWith("skipped ExternalSecret/"))).toBe(true);
    }
    expect(await kube.get("apps/v1", "Deployment", model.namespace, model.name)).toBeUndefined();
  });

  it("writes the app's Secret from env values; no value reaches events, history or the stored objects", async () => {
    const base = withImage(await freshModel("k8s-envsecret"), "registry.test/node-postgres", "1");
    const model: AppModel = { ...base, secrets: { ...base.secrets, names: ["API_KEY"], source: { kind: "env" } } };
    const canary = `canary-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const reporter = new CollectingReporter();
    const result = await run(model, reporter, undefined, { API_KEY: canary });
    expect(result.failure).toBeUndefined();
    const secret = await kube.get("v1", "Secret", model.namespace, model.secrets.secretName);
    expect(Buffer.from(((secret?.data ?? {}) as Record<string, string>).API_KEY ?? "", "base64").toString()).toBe(canary);
    // A crash with the secret in the pod's env: evidence and events stay clean too.
    const crash = await run(
      { ...withImage(model, "registry.test/sim-crashloop", "2"), release: { setup: undefined, migrate: undefined } },
      reporter,
      undefined,
      { API_KEY: canary },
    );
    expect(crash.ok).toBe(false);
    const b64 = Buffer.from(canary).toString("base64");
    const seen = [
      JSON.stringify(reporter.events),
      JSON.stringify(crash),
      JSON.stringify(await records(model)),
      JSON.stringify((await kube.list("v1", "ConfigMap", model.namespace)).items),
    ].join("\n");
    expect(seen).not.toContain(canary);
    expect(seen).not.toContain(b64);
  });
});

describe("kubernetes target: a deploy killed mid-rollout", () => {
  it("is resolved by the next deploy: the last good release's objects are put back before anything else", async () => {
    const model = withImage(await freshModel("k8s-midroll"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    // What a deploy killed during its health gate leaves: its objects applied (a crash-looping
    // rollout under way) and its record in progress, with the objects it applied.
    const broken = withImage(model, "registry.test/sim-crashloop", "2");
    const history = kubeHistory({ api: kube, app: model.name, environment: model.environment, namespace: model.namespace });
    const objects = renderKubernetes(broken) as KubeObject[];
    for (const object of objects.filter((o) => o.kind === "Deployment" || o.kind === "ConfigMap"))
      await kube.apply(object, { fieldManager: "slipway", force: true });
    history.setObjects(2, objects);
    await history.put(leftInProgress(model, 2, broken.image.ref, { objects: ["Deployment/node-postgres"] }));
    expect(imageOf(await deploymentOf(model))).toBe("registry.test/sim-crashloop:2");
    // The next deploy's migration fails: without the restore, the crash-looping rollout would remain.
    const reporter = new CollectingReporter();
    const next = await run(withImage(model, "registry.test/sim-fail", "3"), reporter);
    expect(next.ok).toBe(false);
    expect(next.failure?.class).toBe("migration-failed");
    const recovered = reporter.events.filter((e) => e.type === "recovered").map((e) => (e as { action: string }).action);
    expect(recovered.some((a) => a.startsWith("marked interrupted"))).toBe(true);
    expect(recovered.some((a) => a.startsWith("put revision 1's objects back"))).toBe(true);
    const deployment = await deploymentOf(model);
    expect(imageOf(deployment)).toBe("registry.test/node-postgres:1");
    expect(available(deployment)).toBe(true);
    expect((await records(model)).map((r) => [r.revision, r.outcome])).toEqual([
      [1, "succeeded"],
      [2, "interrupted"],
      [3, "failed"],
    ]);
  });
});

describe("kubernetes target: logs (kwok serves a file as every container's log)", () => {
  const cri = (text: string, second: number) => `2026-01-01T00:00:${String(second).padStart(2, "0")}.000000000Z stdout F ${text}\n`;

  it("streams the migration Job's output and puts a crashed container's last lines in the evidence, secrets redacted", async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    const model = withImage(await freshModel("k8s-logs", { values: { password: canary } }), "registry.test/node-postgres", "1");
    const scratch = mkdtempSync(join(tmpdir(), "slipway-k8s-logs-"));
    const logFile = join(scratch, "container.log");
    writeFileSync(logFile, cri("applying migration 0001_init", 1) + cri(`connecting with password ${canary}`, 2) + cri("done", 3));
    await kube.apply(
      {
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind: "ClusterLogs",
        metadata: { name: model.namespace },
        spec: { selector: { matchNamespaces: [model.namespace] }, logs: [{ logsFile: logFile, follow: true }] },
      },
      { fieldManager: "test" },
    );
    try {
      const reporter = new CollectingReporter();
      expect((await run(model, reporter)).ok).toBe(true);
      const lines = reporter.events.filter((e) => e.type === "log" && e.phase === "migrate").map((e) => (e as { line: string }).line);
      expect(lines).toContain("applying migration 0001_init");
      expect(lines).toContain("connecting with password [redacted]");

      const crash = await run({
        ...withImage(model, "registry.test/sim-crashloop", "2"),
        release: { setup: undefined, migrate: undefined },
      });
      expect(crash.failure?.class).toBe("crash-loop");
      expect(crash.failure?.evidence.logTail).toEqual(["applying migration 0001_init", "connecting with password [redacted]", "done"]);
      const everything = JSON.stringify([reporter.events, crash, await records(model)]);
      expect(everything).not.toContain(canary);
    } finally {
      await kube.delete("kwok.x-k8s.io/v1alpha1", "ClusterLogs", undefined, model.namespace);
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe("kubernetes target: a deployer that may not read Secrets (real RBAC)", () => {
  it("deploys anyway, saying the Secrets were not checked", async () => {
    const model = withImage(await freshModel("k8s-rbac"), "registry.test/node-postgres", "1");
    const ns = model.namespace;
    const rules = [
      { apiGroups: [""], resources: ["configmaps", "pods", "pods/log", "serviceaccounts", "services", "events"], verbs: ["*"] },
      {
        // The CRD kinds too, when another test file installed their stand-ins in this shared cluster.
        apiGroups: [
          "apps",
          "batch",
          "coordination.k8s.io",
          "networking.k8s.io",
          "policy",
          "autoscaling",
          "discovery.k8s.io",
          "monitoring.coreos.com",
          "external-secrets.io",
        ],
        resources: ["*"],
        verbs: ["*"],
      },
    ];
    const deployer = `deployer-${ns}`;
    for (const object of [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: ns } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "deployer", namespace: ns }, rules },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "deployer", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" },
        subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
      },
      // slipway applies the app's Namespace (labels) too.
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: deployer },
        rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get", "patch", "create"] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: deployer },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: deployer },
        subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
      },
    ] as KubeObject[])
      await kube.apply(object, { fieldManager: "test" });
    const token = (await kubectlOk(kubeconfig, ["-n", ns, "create", "token", "deployer"])).trim();
    const admin = parseYaml(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: Record<string, string> }[] };
    const scratch = mkdtempSync(join(tmpdir(), "slipway-k8s-rbac-"));
    const tokenConfig = join(scratch, "kubeconfig");
    writeFileSync(
      tokenConfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: admin.clusters[0]?.cluster }],
        users: [{ name: "deployer", user: { token } }],
        contexts: [{ name: "deployer", context: { cluster: "c", user: "deployer" } }],
        "current-context": "deployer",
      }),
    );
    const limited = createKubeApi(await loadKubeconfig(tokenConfig));
    try {
      await expect(limited.get("v1", "Secret", ns, model.database?.secretName as string)).rejects.toMatchObject({ code: "KUBE_FORBIDDEN" });
      const reporter = new CollectingReporter();
      const result = await run(model, reporter, undefined, undefined, { api: limited });
      expect(result.failure).toBeUndefined();
      expect(result.ok).toBe(true);
      const warned = reporter.events.filter((e) => e.type === "waiting" && e.message.startsWith("cannot read secret/"));
      expect(warned.map((e) => (e as { message: string }).message)).toEqual([
        `cannot read secret/${model.database?.secretName} (forbidden): its keys are not checked before rollout, and its values cannot be redacted from logs`,
      ]);
    } finally {
      limited.close();
      rmSync(scratch, { recursive: true, force: true });
      await kube.delete("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", undefined, deployer);
      await kube.delete("rbac.authorization.k8s.io/v1", "ClusterRole", undefined, deployer);
    }
  });
});

/** The API with every call recorded as `method kind` (the second argument of list/get/apply is the kind or object). */
function counting(api: KubeApi): { api: KubeApi; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(`${String(property)} ${typeof args[1] === "string" ? args[1] : ""}`.trim());
        return value.apply(target, args);
      };
    },
  });
  return { api: proxy, calls };
}

/** What `kubectl annotate deployment/<app> slipway.dev/timeout=<value>` does: another field manager's annotation. */
async function annotateTimeout(model: AppModel, value: string): Promise<void> {
  await kube.apply(
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: model.name, namespace: model.namespace, annotations: { [timeoutAnnotation]: value } },
    },
    { fieldManager: "kubectl-annotate" },
  );
}

describe("kubernetes target: parallel apply, shared polls, per-object timeouts", () => {
  it("records the applied objects in apply order; a poll lists each kind once however many Deployments it judges", async () => {
    const model = withImage(await freshModel("k8s-poll"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    const rendered = renderKubernetes(model) as KubeObject[];
    const installed: KubeObject[] = [];
    for (const object of applyOrder(rendered))
      if ((await kube.discover(object.apiVersion, object.kind)) !== undefined) installed.push(object);
    expect((await records(model))[0]?.runtime.objects).toEqual(installed.map(objectRef));

    const { api, calls } = counting(kube);
    const cache = new PollCache(api);
    const now = Date.now();
    const [web, worker] = await Promise.all([rolloutVerdict(cache, model, model.name, now), rolloutVerdict(cache, model, "worker", now)]);
    expect(web.verdict).toMatchObject({ done: true, ok: true });
    expect(worker.verdict).toMatchObject({ done: false, reason: "waiting for deployment/worker to exist" });
    expect(calls.filter((c) => c.startsWith("list ")).sort()).toEqual(["list Deployment", "list Pod", "list ReplicaSet"]);
  });

  it("a Deployment annotated slipway.dev/timeout is waited for that long instead of the rollout timeout", async () => {
    const model = withImage(await freshModel("k8s-timeout"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    await annotateTimeout(model, "3s");
    // sim-slow pods turn Ready after 8 s: well within run()'s 60 s rollout timeout, not within 3 s.
    const slow = { ...withImage(model, "registry.test/sim-slow", "2"), release: { setup: undefined, migrate: undefined } };
    const result = await run(slow);
    expect(result.ok).toBe(false);
    expect(result.failure).toMatchObject({
      class: "health-timeout",
      message: `deploy staging: rollout of deployment/${model.name}: not available after 3000 ms`,
    });
  });

  it("a timeout annotation that does not parse stops the deploy before the workload changes, saying how to write it", async () => {
    const model = withImage(await freshModel("k8s-badtimeout"), "registry.test/node-postgres", "1");
    expect((await run(model)).ok).toBe(true);
    await annotateTimeout(model, "soon");
    const next = { ...withImage(model, "registry.test/node-postgres", "2"), release: { setup: undefined, migrate: undefined } };
    const result = await run(next);
    expect(result.ok).toBe(false);
    expect(result.failure).toMatchObject({
      class: "config-error",
      message: `deploy staging: deployment/${model.name}: annotation slipway.dev/timeout: "soon" not a duration; write a duration like 90s, 5m or 1h30m (at most 24h)`,
    });
    expect(imageOf(await deploymentOf(model))).toBe("registry.test/node-postgres:1");
  });
});
