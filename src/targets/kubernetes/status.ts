import { currentRelease, type HistoryStore } from "../../deploy/history.js";
import type { DeployLock } from "../../deploy/lock.js";
import type { KubeApi } from "../../effects/kube/kube-api.js";
import type { AppModel } from "../../model/app-model.js";
import type { StatusView, StyledLine } from "../driver.js";
import { podReady, webSelector } from "./web-pods.js";

type Obj = Record<string, unknown> & { status?: Record<string, unknown>; spec?: Record<string, unknown>; metadata?: { name?: string } };

/** `slipway status` of a Kubernetes environment: the Deployment, its pods, the Service's endpoints, the HPA, the last deploy and the lock. */
export async function statusKubernetes(scope: {
  api: KubeApi;
  model: AppModel;
  history: HistoryStore;
  lock: DeployLock;
}): Promise<StatusView> {
  const { model, api, history, lock } = scope;
  const ns = model.namespace;
  const deployment = (await api.get("apps/v1", "Deployment", ns, model.name)) as Obj | undefined;
  const pods = (await api.list("v1", "Pod", ns, { labelSelector: webSelector(model.name) })).items as Obj[];
  const hpa = model.replicas.autoscale
    ? ((await api.get("autoscaling/v2", "HorizontalPodAutoscaler", ns, model.name)) as Obj | undefined)
    : undefined;
  // The Service's ready addresses: what actually receives traffic.
  const slices = (await api.list("discovery.k8s.io/v1", "EndpointSlice", ns, { labelSelector: `kubernetes.io/service-name=${model.name}` }))
    .items as Obj[];
  const endpoints = slices.flatMap((slice) => (slice.endpoints as { conditions?: { ready?: boolean } }[] | undefined) ?? []);
  const records = (await history.list()).sort((a, b) => b.revision - a.revision);
  const current = currentRelease(records);
  const last = records[0];
  const ready = (p: Obj) => podReady(p) === true;
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
  const lines: StyledLine[] = [
    [{ tone: "bold", text: `${status.app} → ${status.environment}` }, `  namespace ${ns}`],
    [`serving:  ${status.serving === undefined ? "nothing" : `revision ${status.serving}`}  ${status.image ?? ""}`],
    [`pods:     ${status.pods.filter((p) => p.ready).length}/${status.pods.length} ready, ${status.replicas.available} available`],
  ];
  for (const p of status.pods)
    lines.push([
      "  ",
      p.ready ? { tone: "green", text: "●" } : { tone: "yellow", text: "○" },
      ` ${p.name}  ${p.phase ?? "?"}`,
      p.restarts > 0 ? { tone: "yellow", text: `  ${p.restarts} restarts` } : "",
    ]);
  lines.push([`endpoints: ${status.endpoints.ready}/${status.endpoints.total} ready behind service/${model.name}`]);
  if (status.autoscaler)
    lines.push([`hpa:      ${status.autoscaler.current ?? "?"} (min ${status.autoscaler.min}, max ${status.autoscaler.max})`]);
  if (status.lock)
    lines.push([
      {
        tone: "yellow",
        text: `deploying now: pid ${status.lock.pid} on ${status.lock.host} (${status.lock.command}), since ${status.lock.acquiredAt}`,
      },
    ]);
  if (status.lastDeploy)
    lines.push([
      `last deploy: revision ${status.lastDeploy.revision} ${status.lastDeploy.outcome}${status.lastDeploy.failure ? ` — ${status.lastDeploy.failure}` : ""}`,
    ]);
  return { result: status, lines };
}
