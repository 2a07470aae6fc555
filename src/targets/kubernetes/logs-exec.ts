/**
 * `slipway logs` and `slipway exec` for an environment whose target is a Kubernetes cluster:
 * pod logs of the serving Deployment and the release Jobs (secret values redacted), and a command
 * in one Ready pod over the exec WebSocket.
 */
import { currentRelease, type ReleaseRecord } from "../../deploy/history.js";
import type { HttpKubeApi } from "../../effects/kube/http-kube-api.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { isKubeError } from "../../effects/kube/kube-error.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import type { Redactor } from "../../secrets/redact.js";
import type { ExecIO, LogLine, LogsRequest, LogsSummary } from "../driver.js";
import { collectClusterSecrets } from "./cluster-secrets.js";
import type { KubeHistory } from "./kube-history.js";
import { releaseJobNamesOf } from "./kubernetes-target.js";
import { podReady, webSelector } from "./web-pods.js";

interface PodLike extends KubeObject {
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
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
  scope: { api: HttpKubeApi; model: AppModel; history: KubeHistory },
  opts: LogsRequest,
  emitLine: (line: LogLine) => void,
  redactor: Redactor,
): Promise<LogsSummary> {
  const tailLines = opts.lines;
  const { model, api, history: store } = scope;
  const env = { name: model.environment };
  const abort = new AbortController();
  const stop = () => abort.abort();
  try {
    const ns = model.namespace;
    const app = model.name;
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
    await collectClusterSecrets(api, ns, readers, redactor);
    const redact = (text: string) => redactor.text(text);

    const problems: { pod: string; container: string; message: string }[] = [];
    const emit = (pod: string, container: string, raw: string) =>
      emitLine({ label: `${pod}/${container}`, fields: { pod, container }, line: redact(raw) });
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
    return {
      about: { environment: env.name, namespace: ns, revision: wanted?.revision ?? null },
      extra: { unavailable: problems },
      notes: [
        ...problems.map((p) => ({ label: `${p.pod}/${p.container}:`, message: p.message })),
        ...(sources.length === 0 ? [{ message: `no pods of ${app} in namespace ${ns}` }] : []),
      ],
    };
  } finally {
    // Ends the other streams when one failed.
    abort.abort();
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
  }
}

/** `slipway exec -e ENV -- cmd …` for a Kubernetes environment: runs in one Ready pod of the Deployment; exits with the command's code. */
export async function execKubernetes(
  scope: { api: HttpKubeApi; model: AppModel },
  command: readonly string[],
  io: ExecIO,
): Promise<number> {
  const { model, api } = scope;
  const env = { name: model.environment };
  const ns = model.namespace;
  const deployment = await api.get<KubeObject & { spec?: { template?: { spec?: { containers?: { name: string }[] } } } }>(
    "apps/v1",
    "Deployment",
    ns,
    model.name,
  );
  if (deployment === undefined) throw noRelease(env.name, undefined);
  const pods = (await api.list<PodLike>("v1", "Pod", ns, { labelSelector: webSelector(model.name) })).items
    .filter((p) => podReady(p) === true && p.metadata.deletionTimestamp === undefined)
    .sort(byName);
  const pod = pods[0];
  if (pod === undefined) {
    throw new SlipwayError("DEPLOY_NO_RELEASE", `no Ready pod of deployment/${model.name} in namespace ${ns} to run the command in`, {
      hint: `See what the pods are doing: slipway status -e ${env.name}`,
    });
  }
  // The app container is the first one of the template (sidecars come after it).
  const container = deployment.spec?.template?.spec?.containers?.[0]?.name ?? pod.spec?.containers?.[0]?.name;
  const stdout = io.stdout as { write(chunk: Uint8Array | string): unknown };
  const stderr = io.stderr as { write(chunk: Uint8Array | string): unknown };
  // --tty: a terminal in the pod (consoles, shells); this terminal goes raw so keys pass through as typed.
  const terminal = io.tty ? terminalOf(io.stdin) : undefined;
  terminal?.enter();
  try {
    const result = await api.exec(ns, pod.metadata.name, {
      command,
      ...(container === undefined ? {} : { container }),
      stdin: io.stdin,
      stdout,
      stderr,
      ...(terminal === undefined ? {} : { tty: true, size: terminal.size(), watchSize: terminal.watch }),
    });
    return result.exitCode;
  } finally {
    terminal?.leave();
  }
}

/** The local side of `exec --tty`: raw mode while the session runs, the window size and its changes (80×24 off a terminal). */
function terminalOf(stdin: ExecIO["stdin"]) {
  const input = stdin as NodeJS.ReadStream | undefined;
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
