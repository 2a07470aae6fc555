import type { AppModel } from "../../model/app-model.js";
import { commonLabels } from "../kubernetes/labels.js";
import type { KubeObject } from "../kubernetes/render-kubernetes.js";
import type { RenderedFile } from "../renderer.js";
import { toYaml } from "../yaml-stream.js";
import { alertmanagerConfig } from "./alertmanager.js";
import { dashboard } from "./dashboard.js";
import { cloudwatchValues, fluentBitValues, logCharts } from "./log-values.js";
import { prometheusRule } from "./prometheus-rules.js";

/** The label Grafana's dashboard sidecar (kube-prometheus-stack's default) looks for on ConfigMaps. */
export const grafanaDashboardLabel = "grafana_dashboard";

function meta(model: AppModel, name: string, extra: Record<string, string> = {}): KubeObject["metadata"] {
  // No version label: these objects do not change with the image, so a deploy does not touch them.
  const { "app.kubernetes.io/version": _version, ...labels } = commonLabels(model);
  return { name, namespace: model.namespace, labels: { ...labels, ...extra } };
}

/** The environment's monitoring objects, in apply order: rules, then the route their alerts take, then the dashboard. */
export function observabilityObjects(model: AppModel): KubeObject[] {
  const board = dashboard(model);
  return [
    prometheusRule(model, meta(model, `${model.name}-alerts`)),
    alertmanagerConfig(model, meta(model, `${model.name}-alerts`)),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(model, `${model.name}-dashboard`, { [grafanaDashboardLabel]: "1" }),
      data: { [`${model.name}-${model.environment}.json`]: `${JSON.stringify(board, null, 2)}\n` },
    },
  ];
}

/** Every file of `slipway render observability` for one environment. Pure and deterministic. */
export function renderObservability(model: AppModel): RenderedFile[] {
  const files: RenderedFile[] = observabilityObjects(model).map((object) => ({
    path: `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`,
    content: toYaml(object, { literalBlocks: true }),
    check: "kubernetes",
    data: object,
  }));
  const logs = model.logs;
  if (logs?.via === "fluent-bit" || logs?.via === "cloudwatch") {
    const chart = logCharts[logs.via];
    const values = logs.via === "fluent-bit" ? fluentBitValues(model, logs) : cloudwatchValues(logs);
    files.push({
      path: chart.file,
      content: `# Values for the ${chart.chart} Helm chart (${chart.repo}), rendered by slipway for ${model.name} (${model.environment}).\n# The agent runs once per cluster: merge these with the other apps' values. See docs/observability.md.\n${toYaml(values, { literalBlocks: true })}`,
      check: "helm-values",
      data: values,
    });
  }
  return files;
}
