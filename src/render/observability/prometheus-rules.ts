import type { AppModel } from "../../model/app-model.js";
import type { SloModel } from "../../model/observability.js";
import type { KubeObject } from "../kubernetes/render-kubernetes.js";

/*
 * The PrometheusRule of one environment: error-ratio recording rules per window and the SRE
 * workbook's multi-window multi-burn-rate alerts on them, a p99 latency alert from the duration
 * histogram, and alerts on slipway's own deploy records and release Jobs (kube-state-metrics).
 */

/** The workbook's four alerts: share of the error budget spent over the long window, the short window that resets it, severity. */
export const burnWindows = [
  { long: "1h", longHours: 1, short: "5m", budgetPercent: 2, severity: "page" },
  { long: "6h", longHours: 6, short: "30m", budgetPercent: 5, severity: "page" },
  { long: "1d", longHours: 24, short: "2h", budgetPercent: 10, severity: "ticket" },
  { long: "3d", longHours: 72, short: "6h", budgetPercent: 10, severity: "ticket" },
] as const;

/** Every window an error ratio is recorded for, shortest first. */
export const ratioWindows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/**
 * How fast the budget may burn over a long window: the budget share spent in it, scaled to the SLO
 * window. For 30 days this is the workbook's 14.4, 6, 3 and 1.
 */
export function burnRate(windowDays: number, window: (typeof burnWindows)[number]): number {
  return Number(((window.budgetPercent * windowDays * 24) / (100 * window.longHours)).toFixed(4));
}

export const errorRatioRecord = (window: string) => `slipway:request_errors:ratio_rate${window}`;
export const latencyRecord = "slipway:request_duration_seconds:p99_rate5m";
export const requestRateRecord = "slipway:requests:rate5m";

/** A PromQL selector of label matchers, `{a="x",b=~"y"}`. Values are DNS labels, names and fixed patterns: nothing to escape. */
export function selector(matchers: readonly (readonly [string, string] | readonly [string, string, "=~"])[]): string {
  return `{${matchers.map((m) => `${m[0]}${m[2] ?? "="}"${m[1]}"`).join(",")}}`;
}

/** The labels every recorded series and alert carries: which app and environment it is about. */
export function ownLabels(model: AppModel): Record<string, string> {
  return { slipway_app: model.name, slipway_environment: model.environment };
}

function sloGroups(model: AppModel, slo: SloModel): Record<string, unknown>[] {
  const { counter, statusLabel, histogram, selector: base } = slo.requests;
  const all = selector(base);
  const errors = selector([...base, [statusLabel, "5..", "=~"]]);
  const own = ownLabels(model);
  const ownSelector = selector(Object.entries(own));
  const records: Record<string, unknown>[] = [
    {
      record: requestRateRecord,
      expr: `sum by (namespace) (rate(${counter}${all}[5m]))`,
      labels: own,
    },
    ...ratioWindows.map((w) => ({
      record: errorRatioRecord(w),
      expr: `sum by (namespace) (rate(${counter}${errors}[${w}]))\n/\nsum by (namespace) (rate(${counter}${all}[${w}]))`,
      labels: own,
    })),
  ];
  if (slo.latencyP99Ms !== undefined) {
    records.push({
      record: latencyRecord,
      expr: `histogram_quantile(0.99, sum by (namespace, le) (rate(${histogram}_bucket${all}[5m])))`,
      labels: own,
    });
  }
  const target = `${slo.availabilityPercent}%`;
  const alerts: Record<string, unknown>[] = burnWindows.map((w) => {
    const threshold = `(${burnRate(slo.windowDays, w)} * ${slo.errorBudget})`;
    return {
      alert: "SloErrorBudgetBurn",
      expr: `${errorRatioRecord(w.long)}${ownSelector} > ${threshold}\nand\n${errorRatioRecord(w.short)}${ownSelector} > ${threshold}`,
      labels: { long_window: w.long, severity: w.severity, short_window: w.short, ...own },
      annotations: {
        summary: `${model.name} (${model.environment}) is spending its error budget ${burnRate(slo.windowDays, w)}× too fast`,
        description: `More than ${burnRate(slo.windowDays, w)} × ${slo.errorBudget} of requests failed over the last ${w.long}, and still over the last ${w.short}; the ${target} target over ${slo.windowDays}d allows ${slo.errorBudget}. At this rate ${w.budgetPercent}% of the budget goes in ${w.long}.`,
      },
    };
  });
  if (slo.latencyP99Ms !== undefined) {
    const seconds = slo.latencyP99Ms / 1000;
    alerts.push({
      alert: "SloLatencyP99High",
      expr: `${latencyRecord}${ownSelector} > ${seconds}`,
      for: "15m",
      labels: { severity: "ticket", ...own },
      annotations: {
        summary: `${model.name} (${model.environment}) answers 1 request in 100 slower than ${slo.latencyP99Ms} ms`,
        description: `The 99th percentile of request duration has been above ${slo.latencyP99Ms} ms for 15 minutes (${slo.requests.histogram}).`,
      },
    });
  }
  const prefix = `${model.name}-${model.environment}`;
  return [
    { name: `${prefix}.slo.records`, rules: records },
    { name: `${prefix}.slo.alerts`, rules: alerts },
  ];
}

/**
 * Deploy failures from what slipway leaves in the cluster: its release records (one ConfigMap per
 * revision, labelled with the outcome) and its release Jobs. kube-state-metrics exports the
 * ConfigMap labels only when allowed (--metric-labels-allowlist, see docs/observability.md).
 */
function deployGroup(model: AppModel): Record<string, unknown> {
  const own = ownLabels(model);
  const ns = model.namespace;
  const record = (outcome: string) =>
    `kube_configmap_labels${selector([
      ["namespace", ns],
      ["label_slipway_dev_history", `${model.name}.${model.environment}`],
      ["label_slipway_dev_outcome", outcome, "=~"],
    ])}`;
  const releaseJobs = selector([
    ["namespace", ns],
    ["job_name", `${model.name}-(setup|migrate)-[0-9a-f]{10}`, "=~"],
  ]);
  const where = `${model.name} (${model.environment})`;
  return {
    name: `${model.name}-${model.environment}.deploy`,
    rules: [
      {
        alert: "SlipwayDeployFailed",
        expr: `${record("failed|interrupted")}\nand on (namespace, configmap)\n(time() - kube_configmap_created${selector([["namespace", ns]])}) < 3600`,
        labels: { severity: "ticket", ...own },
        annotations: {
          summary: `A deploy of ${where} failed in the last hour; the previous release still serves`,
          description: `Release record {{ $labels.configmap }} ended {{ $labels.label_slipway_dev_outcome }}. See: slipway history -e ${model.environment}, slipway status -e ${model.environment}.`,
        },
      },
      {
        alert: "SlipwayDeployStuck",
        expr: record("in-progress"),
        for: "45m",
        labels: { severity: "ticket", ...own },
        annotations: {
          summary: `A deploy of ${where} has been in progress for 45 minutes`,
          description: `Release record {{ $labels.configmap }} is still in progress: the deploying process was probably killed. The next slipway deploy -e ${model.environment} recovers it.`,
        },
      },
      {
        alert: "SlipwayReleaseJobFailed",
        expr: `kube_job_status_failed${releaseJobs} > 0\nand on (namespace, job_name)\n(time() - kube_job_created${releaseJobs}) < 3600`,
        labels: { severity: "ticket", ...own },
        annotations: {
          summary: `The release Job {{ $labels.job_name }} of ${where} failed`,
          description: `A setup or migrate command failed, so the deploy stopped before traffic moved. Its logs: kubectl logs -n ${ns} job/{{ $labels.job_name }}.`,
        },
      },
      {
        alert: "SlipwayRolloutStalled",
        expr: `kube_deployment_status_condition${selector([
          ["namespace", ns],
          ["deployment", model.name],
          ["condition", "Progressing"],
          ["status", "false"],
        ])} == 1`,
        for: "5m",
        labels: { severity: "ticket", ...own },
        annotations: {
          summary: `The Deployment of ${where} stopped progressing`,
          description: `Its rollout passed the progress deadline; slipway rolls back what it deploys itself, so something else changed it or a deploy was cut off. See: slipway status -e ${model.environment}.`,
        },
      },
    ],
  };
}

/** The rule groups of the PrometheusRule's spec (also what `promtool check rules` reads). */
export function ruleGroups(model: AppModel): Record<string, unknown>[] {
  return [...(model.slo ? sloGroups(model, model.slo) : []), deployGroup(model)];
}

export function prometheusRule(model: AppModel, metadata: KubeObject["metadata"]): KubeObject {
  return { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata, spec: { groups: ruleGroups(model) } };
}
