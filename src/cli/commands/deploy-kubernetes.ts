import { createHash, randomBytes } from "node:crypto";
import { homedir, hostname, userInfo } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { currentRelease } from "../../deploy/history.js";
import { readSpecBytes } from "../../effects/files.js";
import { createKubeApi } from "../../effects/kube/http-kube-api.js";
import { loadKubeconfig } from "../../effects/kube/kubeconfig.js";
import { loadLocalSecrets } from "../../effects/secrets.js";
import type { AppModel } from "../../model/app-model.js";
import { humanReporter, jsonReporter } from "../../output/deploy-reporters.js";
import { fingerprintValue } from "../../secrets/fingerprint.js";
import type { Redactor } from "../../secrets/redact.js";
import { buildModel } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { clusterFingerprintKey, secretDataValues } from "../../targets/kubernetes/cluster-secrets.js";
import { kubeHistory } from "../../targets/kubernetes/kube-history.js";
import { kubeLock } from "../../targets/kubernetes/kube-lock.js";
import { kubernetesTarget } from "../../targets/kubernetes/kubernetes-target.js";
import { type CliContext, secretsOf } from "../context.js";
import { deployInterruptibly, finishDeploy, pickRollback, runPreflight } from "./deploy-steps.js";

export interface KubeDeployOptions {
  file: string;
  tag?: string;
  digest?: string;
  wait?: boolean;
  /** Parsed and range-checked by the CLI (numberRules.keep). */
  keep?: number;
  to?: number;
  forceConflicts?: boolean;
  force?: boolean;
  /** false with --no-rollback. */
  rollback?: boolean;
  /** Seconds a rollout may take before it fails as health-timeout (default 600). */
  healthTimeout?: number;
}

/** An API client for the model's cluster: `$KUBECONFIG` (first file) or ~/.kube/config, the target's context or the current one. */
export async function kubeApiFor(ctx: CliContext, model: AppModel) {
  // KUBECONFIG may list several files (merged as kubectl does); unset or empty: ~/.kube/config.
  const listed = (ctx.env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  const kubeconfigs = listed.length > 0 ? listed : [join(ctx.env.HOME ?? homedir(), ".kube", "config")];
  const context = model.target.type === "kubernetes" ? model.target.context : undefined;
  return createKubeApi(await loadKubeconfig(kubeconfigs, context));
}

/** Everything a Kubernetes-environment command needs: model, API client, history and lock in the cluster. */
async function openKubernetes(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: { tag?: string; digest?: string },
) {
  const model = buildModel(validated, env, { tag: opts.tag, digest: opts.digest });
  const api = await kubeApiFor(ctx, model);
  const scope = { api, app: model.name, environment: model.environment, namespace: model.namespace };
  return { model, api, history: kubeHistory(scope), lock: kubeLock(scope) };
}

/** `slipway deploy` / `slipway rollback` for an environment whose target is a Kubernetes cluster. */
export async function deployKubernetes(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: KubeDeployOptions,
  mode: "deploy" | "rollback",
): Promise<number> {
  const rolloutMs = opts.healthTimeout === undefined ? undefined : opts.healthTimeout * 1000;
  const opened = await openKubernetes(ctx, validated, env, opts);
  try {
    let rollbackTo: number | undefined;
    if (mode === "rollback") {
      rollbackTo = pickRollback(await opened.history.list(), opts.to).revision;
    }
    const reporter = ctx.json ? jsonReporter(ctx.stdout) : humanReporter(ctx.stderr, ctx.colors);
    if (mode === "deploy" && !opts.force) await runPreflight(ctx, reporter, validated, env, opts);
    const specText = ctx.sources.get(validated.file) ?? new TextDecoder().decode(await readSpecBytes(resolve(ctx.cwd, opts.file)));
    // env / env-file sources: slipway holds the values and writes the app's Secret; other sources keep them in the cluster.
    const source = opened.model.secrets.source.kind;
    const secretValues =
      source === "env" || source === "env-file"
        ? await loadLocalSecrets(opened.model, dirname(resolve(ctx.cwd, opts.file)), ctx.env)
        : undefined;
    const redactor = secretsOf(ctx).add(Object.values(secretValues ?? {}));
    const result = await deployInterruptibly({
      model: opened.model,
      target: kubernetesTarget({
        api: opened.api,
        history: opened.history,
        forceConflicts: opts.forceConflicts === true,
        ...(secretValues ? { secretValues } : {}),
        redactor,
        ...(rolloutMs ? { timeouts: { rolloutMs } } : {}),
      }),
      history: opened.history,
      lock: opened.lock,
      reporter,
      specHash: `sha256:${createHash("sha256").update(specText).digest("hex")}`,
      git: undefined,
      who: { user: userInfo().username, host: hostname(), pid: process.pid },
      // The record keeps the names; the keyed fingerprint of each Secret the pods read (the app's
      // included) is in runtime.secrets, computed once the namespace and its fingerprint key exist.
      secrets: { names: [...opened.model.secrets.names].sort() },
      redactor,
      rollbackTo,
      noRollback: opts.rollback === false,
      waitForLock: opts.wait !== false,
      lockTimeoutMs: 10 * 60_000,
      keepReleases: opts.keep ?? 10,
    });
    return finishDeploy(
      ctx,
      result,
      opened.model.environment,
      result.serving !== undefined
        ? `Revision ${result.serving} was put back. Details: slipway history -e ${opened.model.environment}.`
        : "Nothing was serving before this deploy, and nothing of the failed release is left running.",
    );
  } finally {
    opened.api.close();
  }
}

/** `slipway history` for a Kubernetes environment: the records kept in the cluster. */
export async function historyKubernetes(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
): Promise<ReturnType<typeof currentRelease>[]> {
  const opened = await openKubernetes(ctx, validated, env, { tag: "history" });
  try {
    return (await opened.history.list()).sort((a, b) => b.revision - a.revision);
  } finally {
    opened.api.close();
  }
}

/** `slipway unlock --force` for a Kubernetes environment: deletes the Lease. */
export async function unlockKubernetes(ctx: CliContext, validated: ValidatedSpec, env: ResolvedEnvironment) {
  const opened = await openKubernetes(ctx, validated, env, { tag: "unlock" });
  try {
    return await opened.lock.forceUnlock();
  } finally {
    opened.api.close();
  }
}

/**
 * Fields the server owns or adds that say nothing about what a deploy would change. A Secret's
 * values become keyed fingerprints (a changed value shows as a changed line, never the value) and
 * join the redactor.
 */
function comparable(
  object: Record<string, unknown> | undefined,
  fingerprintKey: Uint8Array,
  redactor: Redactor,
): Record<string, unknown> | undefined {
  if (!object) return undefined;
  const { status: _status, ...rest } = object;
  const metadata = { ...((rest.metadata ?? {}) as Record<string, unknown>) };
  for (const key of ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"]) delete metadata[key];
  const annotations = { ...((metadata.annotations ?? {}) as Record<string, string>) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: Record<string, unknown> = { ...rest, metadata };
  // Secret values never leave the cluster through a diff: only which keys changed.
  if (out.kind === "Secret") {
    for (const field of ["data", "stringData"]) {
      const values = out[field] as Record<string, string> | undefined;
      if (values) {
        redactor.add(field === "data" ? secretDataValues(values) : Object.values(values));
        const decoded = (v: string) => (field === "data" ? Buffer.from(v, "base64") : Buffer.from(v, "utf8"));
        out[field] = Object.fromEntries(
          Object.entries(values).map(([k, v]) => [k, `[redacted ${fingerprintValue(fingerprintKey, decoded(v)).slice(0, 24)}]`]),
        );
      }
    }
  }
  return out;
}

/** `slipway diff`: what a deploy would change, from a server-side dry run of every rendered object. */
export async function diffKubernetes(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: { tag?: string; digest?: string },
): Promise<number> {
  const { toYaml } = await import("../../render/yaml-stream.js");
  const { renderKubernetes } = await import("../../render/kubernetes/render-kubernetes.js");
  const { lineDiff } = await import("../../plan/line-diff.js");
  const opened = await openKubernetes(ctx, validated, env, opts);
  try {
    const redactor = secretsOf(ctx);
    // The environment's key when it exists and may be read, so fingerprints match history; else one
    // for this run only (a diff never creates it): lines still show which values would change.
    const key =
      (await clusterFingerprintKey(
        opened.api,
        { namespace: opened.model.namespace, app: opened.model.name, environment: opened.model.environment, fieldManager: "slipway" },
        { create: false },
      ).catch(() => undefined)) ?? randomBytes(32);
    const changes: { object: string; action: "create" | "update" | "unchanged" | "skipped"; diff: string[]; note?: string }[] = [];
    for (const object of renderKubernetes(opened.model)) {
      const id = `${object.kind}/${object.metadata.name}`;
      // Release Jobs get a per-revision name and run as their own phase: not part of the diff.
      if (object.kind === "Job") continue;
      if ((await opened.api.discover(object.apiVersion, object.kind)) === undefined) {
        changes.push({
          object: id,
          action: "skipped",
          diff: [],
          note: `${object.apiVersion} ${object.kind} is not installed in the cluster`,
        });
        continue;
      }
      const live = comparable(
        (await opened.api.get(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name)) as
          | Record<string, unknown>
          | undefined,
        key,
        redactor,
      );
      const dry = comparable(
        (await opened.api.apply(object, { fieldManager: "slipway", dryRun: true, force: false })) as Record<string, unknown>,
        key,
        redactor,
      );
      const before = live ? toYaml(live) : "";
      const after = toYaml(dry);
      const diff = before === after ? [] : lineDiff(before, after).map((line) => redactor.text(line));
      changes.push({ object: id, action: !live ? "create" : diff.length > 0 ? "update" : "unchanged", diff });
    }
    const changed = changes.filter((c) => c.action === "create" || c.action === "update");
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { environment: env.name, changes } })}\n`);
    else {
      const c = ctx.colors;
      for (const change of changes) {
        if (change.action === "unchanged") continue;
        const mark =
          change.action === "create" ? c.green("+ create") : change.action === "update" ? c.yellow("~ update") : c.dim("- skip  ");
        ctx.stdout.write(`${mark} ${change.object}${change.note ? c.dim(` (${change.note})`) : ""}\n`);
        if (change.action === "update") {
          for (const line of change.diff)
            ctx.stdout.write(`    ${line.startsWith("+") ? c.green(line) : line.startsWith("-") ? c.red(line) : c.dim(line)}\n`);
        }
      }
      ctx.stdout.write(`${changed.length} object(s) would change, ${changes.filter((x) => x.action === "unchanged").length} unchanged\n`);
    }
    // Like `diff` and `kubectl diff`: 1 when something would change.
    return changed.length > 0 ? 1 : 0;
  } finally {
    opened.api.close();
  }
}

/** `slipway status` for a Kubernetes environment: the Deployment, its pods, the HPA and the last deploy. */
export async function statusKubernetes(ctx: CliContext, validated: ValidatedSpec, env: ResolvedEnvironment): Promise<number> {
  const opened = await openKubernetes(ctx, validated, env, { tag: "status" });
  try {
    const { model, api, history, lock } = opened;
    const ns = model.namespace;
    type Obj = Record<string, unknown> & { status?: Record<string, unknown>; spec?: Record<string, unknown>; metadata?: { name?: string } };
    const deployment = (await api.get("apps/v1", "Deployment", ns, model.name)) as Obj | undefined;
    const pods = (
      await api.list("v1", "Pod", ns, { labelSelector: `app.kubernetes.io/instance=${model.name},app.kubernetes.io/component=web` })
    ).items as Obj[];
    const hpa = model.replicas.autoscale
      ? ((await api.get("autoscaling/v2", "HorizontalPodAutoscaler", ns, model.name)) as Obj | undefined)
      : undefined;
    // The Service's ready addresses: what actually receives traffic.
    const slices = (
      await api.list("discovery.k8s.io/v1", "EndpointSlice", ns, { labelSelector: `kubernetes.io/service-name=${model.name}` })
    ).items as Obj[];
    const endpoints = slices.flatMap((slice) => (slice.endpoints as { conditions?: { ready?: boolean } }[] | undefined) ?? []);
    const records = (await history.list()).sort((a, b) => b.revision - a.revision);
    const current = currentRelease(records);
    const last = records[0];
    const ready = (p: Obj) =>
      ((p.status?.conditions as { type: string; status: string }[] | undefined) ?? []).some(
        (c) => c.type === "Ready" && c.status === "True",
      );
    const status = {
      app: model.name,
      environment: model.environment,
      namespace: ns,
      serving: current?.revision,
      image: (deployment?.spec?.template as { spec?: { containers?: { image?: string }[] } } | undefined)?.spec?.containers?.[0]?.image,
      replicas: {
        desired: deployment?.spec?.replicas ?? hpa?.status?.desiredReplicas,
        available: deployment?.status?.availableReplicas ?? 0,
      },
      pods: pods.map((p) => ({
        name: p.metadata?.name,
        phase: p.status?.phase,
        ready: ready(p),
        restarts: ((p.status?.containerStatuses as { restartCount?: number }[] | undefined) ?? []).reduce(
          (n, c) => n + (c.restartCount ?? 0),
          0,
        ),
      })),
      endpoints: { ready: endpoints.filter((e) => e.conditions?.ready !== false).length, total: endpoints.length },
      autoscaler: hpa ? { min: hpa.spec?.minReplicas, max: hpa.spec?.maxReplicas, current: hpa.status?.currentReplicas } : undefined,
      lastDeploy: last
        ? { revision: last.revision, outcome: last.outcome, startedAt: last.startedAt, failure: last.failure?.message }
        : undefined,
      // A deploy running now (its Lease).
      lock: await lock.inspect(),
    };
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: status })}\n`);
    else {
      const c = ctx.colors;
      ctx.stdout.write(`${c.bold(`${status.app} → ${status.environment}`)}  namespace ${ns}\n`);
      ctx.stdout.write(`serving:  ${status.serving === undefined ? "nothing" : `revision ${status.serving}`}  ${status.image ?? ""}\n`);
      ctx.stdout.write(
        `pods:     ${status.pods.filter((p) => p.ready).length}/${status.pods.length} ready, ${status.replicas.available} available\n`,
      );
      for (const p of status.pods)
        ctx.stdout.write(
          `  ${p.ready ? c.green("●") : c.yellow("○")} ${p.name}  ${p.phase ?? "?"}${p.restarts > 0 ? c.yellow(`  ${p.restarts} restarts`) : ""}\n`,
        );
      ctx.stdout.write(`endpoints: ${status.endpoints.ready}/${status.endpoints.total} ready behind service/${model.name}\n`);
      if (status.autoscaler)
        ctx.stdout.write(`hpa:      ${status.autoscaler.current ?? "?"} (min ${status.autoscaler.min}, max ${status.autoscaler.max})\n`);
      if (status.lock)
        ctx.stdout.write(
          c.yellow(
            `deploying now: pid ${status.lock.pid} on ${status.lock.host} (${status.lock.command}), since ${status.lock.acquiredAt}\n`,
          ),
        );
      if (status.lastDeploy)
        ctx.stdout.write(
          `last deploy: revision ${status.lastDeploy.revision} ${status.lastDeploy.outcome}${status.lastDeploy.failure ? ` — ${status.lastDeploy.failure}` : ""}\n`,
        );
    }
    return 0;
  } finally {
    opened.api.close();
  }
}
