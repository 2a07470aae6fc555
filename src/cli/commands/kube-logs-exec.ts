/**
 * `slipway logs` and `slipway exec` for an environment whose target is a Kubernetes cluster:
 * pod logs of the serving Deployment and the release Jobs (secret values redacted), and a command
 * in one Ready pod over the exec WebSocket.
 */
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { isKubeError } from "../../effects/kube/kube-error.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import { buildModel } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { collectClusterSecrets } from "../../targets/kubernetes/cluster-secrets.js";
import { kubeHistory } from "../../targets/kubernetes/kube-history.js";
import { releaseJobNamesOf } from "../../targets/kubernetes/kubernetes-target.js";
import { type CliContext, secretsOf } from "../context.js";
import { kubeApiFor } from "./deploy-kubernetes.js";

export interface KubeLogsOptions {
  follow?: boolean;
  revision?: number;
  lines?: number;
}

interface PodLike extends KubeObject {
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** What a logs/exec command needs: the model and an API client (closed by the caller). */
async function open(ctx: CliContext, validated: ValidatedSpec, env: ResolvedEnvironment) {
  // Logs and exec never render an image reference: any tag will do.
  const model: AppModel = buildModel(validated, env, { tag: "inspect" });
  const api = await kubeApiFor(ctx, model);
  return { model, api };
}

/** The label selector of the serving Deployment's pods (as rendered). */
export function webSelector(app: string): string {
  return `app.kubernetes.io/instance=${app},app.kubernetes.io/component=web`;
}

function isReady(pod: PodLike): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function byName(a: KubeObject, b: KubeObject): number {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function noRelease(env: string, revision: number | undefined): SlipwayError {
  return new SlipwayError(
    "DEPLOY_NO_RELEASE",
    revision ? `environment '${env}' has no revision ${revision}` : `nothing has been deployed to environment '${env}' yet`,
    { hint: revision ? `See the revisions with: slipway history -e ${env}` : `Deploy first: slipway deploy -e ${env}` },
  );
}

/** `slipway logs -e ENV` for a Kubernetes environment. */
export async function logsKubernetes(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  opts: KubeLogsOptions,
): Promise<number> {
  const tailLines = opts.lines ?? 50;
  const { model, api } = await open(ctx, validated, env);
  const abort = new AbortController();
  const stop = () => abort.abort();
  try {
    const ns = model.namespace;
    const app = model.name;
    const store = kubeHistory({ api, app, environment: model.environment, namespace: ns });
    const records: ReleaseRecord[] = await store.list().catch((error: unknown) => {
      // A namespace nobody deployed to yet has no history.
      if (isKubeError(error) && error.code === "KUBE_NOT_FOUND") return [];
      throw error;
    });
    const current = currentRelease(records);
    const wanted = opts.revision === undefined ? current : records.find((r) => r.revision === opts.revision);
    const deployment = await api.get<KubeObject>("apps/v1", "Deployment", ns, app);
    if (opts.revision !== undefined && wanted === undefined) throw noRelease(env.name, opts.revision);
    if (wanted === undefined && deployment === undefined) throw noRelease(env.name, undefined);

    // The Deployment's pods run the serving revision: shown unless another revision was asked for.
    const showWeb = deployment !== undefined && (opts.revision === undefined || wanted?.revision === current?.revision);
    const sources: PodLike[] = [];
    const readers: KubeObject[] = [];
    if (wanted !== undefined) {
      for (const jobName of releaseJobNamesOf((await store.objects(wanted.revision).catch(() => undefined)) ?? [], wanted.revision)) {
        const job = await api.get<KubeObject>("batch/v1", "Job", ns, jobName);
        if (job === undefined) continue;
        readers.push(job);
        const pods = await api.list<PodLike>("v1", "Pod", ns, { labelSelector: `batch.kubernetes.io/job-name=${jobName}` });
        sources.push(...pods.items.sort(byName));
      }
    }
    if (showWeb && deployment !== undefined) {
      readers.push(deployment);
      const pods = await api.list<PodLike>("v1", "Pod", ns, { labelSelector: webSelector(app) });
      sources.push(...pods.items.sort(byName));
    }
    const redactor = secretsOf(ctx);
    await collectClusterSecrets(api, ns, readers, redactor);
    const redact = (text: string) => redactor.text(text);

    const json = ctx.json;
    const collected: { pod: string; container: string; line: string }[] = [];
    const problems: { pod: string; container: string; message: string }[] = [];
    const emit = (pod: string, container: string, raw: string) => {
      const line = redact(raw);
      if (json && !opts.follow) collected.push({ pod, container, line });
      else if (json) ctx.stdout.write(`${JSON.stringify({ type: "log", pod, container, line })}\n`);
      else ctx.stdout.write(`${ctx.colors.dim(`${pod}/${container} │`)} ${line}\n`);
    };
    if (opts.follow) {
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }
    const started = new Set<string>();
    const streamPod = (pod: PodLike, tail: number | undefined) =>
      (pod.spec?.containers ?? []).map(async (container) => {
        const podName = pod.metadata.name;
        started.add(podName);
        // A pod that never started has no logs; say so instead of failing the whole command.
        if (pod.status?.phase === "Pending") {
          problems.push({ pod: podName, container: container.name, message: "pod is Pending (no logs yet)" });
          return;
        }
        // Without --follow, each container's lines are printed together; with it, as they come.
        const lines: string[] = [];
        try {
          await api.podLogsStream(
            ns,
            podName,
            container.name,
            { ...(tail === undefined ? {} : { tailLines: tail }), follow: opts.follow === true, signal: abort.signal },
            (line) => (opts.follow ? emit(podName, container.name, line) : lines.push(line)),
          );
        } catch (error) {
          if (!isKubeError(error) || (error.code !== "KUBE_LOGS_UNAVAILABLE" && error.code !== "KUBE_NOT_FOUND")) throw error;
          problems.push({ pod: podName, container: container.name, message: redact(error.message) });
        }
        return { podName, container: container.name, lines };
      });
    const streams = sources.filter((pod) => !(opts.follow && pod.status?.phase === "Pending")).flatMap((pod) => streamPod(pod, tailLines));
    if (opts.follow && showWeb) {
      // A rollout replaces the pods: follow each new one from its first line, as it starts running.
      streams.push(
        api
          .watch<PodLike>(
            "v1",
            "Pod",
            ns,
            { labelSelector: webSelector(app) },
            (event) => {
              const pod = event.object;
              if (event.type === "DELETED" || started.has(pod.metadata.name) || pod.status?.phase !== "Running") return;
              for (const stream of streamPod(pod, undefined)) stream.catch(() => undefined);
            },
            abort.signal,
          )
          .then(() => undefined),
      );
    }
    const results = await Promise.all(streams);
    if (!opts.follow) for (const r of results) if (r) for (const line of r.lines) emit(r.podName, r.container, line);

    if (json && !opts.follow) {
      ctx.stdout.write(
        `${JSON.stringify({
          ok: true,
          result: { environment: env.name, namespace: ns, revision: wanted?.revision ?? null, lines: collected, unavailable: problems },
        })}\n`,
      );
    } else if (!json) {
      for (const p of problems) ctx.stderr.write(`${ctx.colors.yellow(`${p.pod}/${p.container}:`)} ${p.message}\n`);
      if (sources.length === 0) ctx.stderr.write(`no pods of ${app} in namespace ${ns}\n`);
    }
    return 0;
  } finally {
    // Ends the other streams when one failed.
    abort.abort();
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
    api.close();
  }
}

/** `slipway exec -e ENV -- cmd …` for a Kubernetes environment: runs in one Ready pod of the Deployment; exits with the command's code. */
export async function execKubernetes(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: ResolvedEnvironment,
  command: readonly string[],
  opts: { tty?: boolean } = {},
): Promise<number> {
  const { model, api } = await open(ctx, validated, env);
  try {
    const ns = model.namespace;
    const deployment = await api.get<KubeObject & { spec?: { template?: { spec?: { containers?: { name: string }[] } } } }>(
      "apps/v1",
      "Deployment",
      ns,
      model.name,
    );
    if (deployment === undefined) throw noRelease(env.name, undefined);
    const pods = (await api.list<PodLike>("v1", "Pod", ns, { labelSelector: webSelector(model.name) })).items
      .filter((p) => isReady(p) && p.metadata.deletionTimestamp === undefined)
      .sort(byName);
    const pod = pods[0];
    if (pod === undefined) {
      throw new SlipwayError("DEPLOY_NO_RELEASE", `no Ready pod of deployment/${model.name} in namespace ${ns} to run the command in`, {
        hint: `See what the pods are doing: slipway status -e ${env.name}`,
      });
    }
    // The app container is the first one of the template (sidecars come after it).
    const container = deployment.spec?.template?.spec?.containers?.[0]?.name ?? pod.spec?.containers?.[0]?.name;
    const stdout = ctx.stdout as { write(chunk: Uint8Array | string): unknown };
    const stderr = ctx.stderr as { write(chunk: Uint8Array | string): unknown };
    // --tty: a terminal in the pod (consoles, shells); this terminal goes raw so keys pass through as typed.
    const terminal = opts.tty === true ? terminalOf(ctx) : undefined;
    terminal?.enter();
    try {
      const result = await api.exec(ns, pod.metadata.name, {
        command,
        ...(container === undefined ? {} : { container }),
        stdin: ctx.stdin,
        stdout,
        stderr,
        ...(terminal === undefined ? {} : { tty: true, size: terminal.size(), watchSize: terminal.watch }),
      });
      return result.exitCode;
    } finally {
      terminal?.leave();
    }
  } finally {
    api.close();
  }
}

/** The local side of `exec --tty`: raw mode while the session runs, the window size and its changes (80×24 off a terminal). */
function terminalOf(ctx: CliContext) {
  const input = ctx.stdin as NodeJS.ReadStream | undefined;
  const output = process.stdout;
  const raw = input?.isTTY === true && typeof input.setRawMode === "function";
  const size = () => ({ width: output.columns || 80, height: output.rows || 24 });
  return {
    size,
    enter: () => {
      if (raw) input?.setRawMode(true);
    },
    leave: () => {
      if (raw) input?.setRawMode(false);
    },
    watch: (send: (s: { width: number; height: number }) => void) => {
      const onResize = () => send(size());
      output.on("resize", onResize);
      return () => {
        output.removeListener("resize", onResize);
      };
    },
  };
}
