import type { AppModel } from "../../model/app-model.js";
import type { LogsModel } from "../../model/observability.js";

/*
 * Values for the Helm chart of the log agent the spec chose. The agent runs once per cluster, so
 * these are the app's share of it: Fluent Bit tails only the app's namespace, lifts its JSON log
 * lines into fields (the app contract asks for one JSON object per line on stdout) and sends them
 * to the spec's host; CloudWatch Container Insights is AWS's own agent, named after the cluster.
 */

/** The chart each choice configures, for the file header and docs/observability.md. */
export const logCharts = {
  "fluent-bit": { repo: "https://fluent.github.io/helm-charts", chart: "fluent/fluent-bit", file: "fluent-bit-values.yaml" },
  cloudwatch: {
    repo: "https://aws-observability.github.io/helm-charts",
    chart: "amazon-cloudwatch-observability (or the EKS add-on of that name)",
    file: "cloudwatch-observability-values.yaml",
  },
} as const;

/** Fluent Bit's classic configuration: `[SECTION]` then indented `Key value` lines. */
function section(name: string, entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return [`[${name}]`, ...entries.map(([k, v]) => `    ${k.padEnd(width)} ${v}`)].join("\n");
}

function fluentBitOutput(model: AppModel, logs: Extract<LogsModel, { via: "fluent-bit" }>): string {
  const common: [string, string][] = [
    ["Match", "kube.*"],
    ["Host", logs.host],
    ["Port", String(logs.port)],
  ];
  const tls: [string, string][] = logs.tls
    ? [
        ["tls", "On"],
        ["tls.verify", "On"],
      ]
    : [];
  switch (logs.output) {
    case "loki":
      return section("OUTPUT", [
        ["Name", "loki"],
        ...common,
        ...tls,
        // Few, fixed labels (Loki indexes them); pod and the rest stay fields of the JSON line.
        ["Labels", `app=${model.name}, environment=${model.environment}`],
        ["Label_Keys", "$kubernetes['namespace_name']"],
        ["Line_Format", "json"],
      ]);
    case "opensearch":
      return section("OUTPUT", [
        ["Name", "opensearch"],
        ...common,
        ...tls,
        ["Logstash_Format", "On"],
        ["Logstash_Prefix", `${model.name}-${model.environment}`],
        ["Replace_Dots", "On"],
        ["Suppress_Type_Name", "On"],
        ["Retry_Limit", "False"],
      ]);
    case "forward":
      return section("OUTPUT", [["Name", "forward"], ...common, ...tls, ["Retry_Limit", "False"]]);
  }
}

/** `config:` of the fluent/fluent-bit chart (its inputs, filters and outputs replace the chart's). */
export function fluentBitValues(model: AppModel, logs: Extract<LogsModel, { via: "fluent-bit" }>): Record<string, unknown> {
  return {
    config: {
      inputs: `${section("INPUT", [
        ["Name", "tail"],
        // The kubelet names each container's log file <pod>_<namespace>_<container>-<id>.log.
        ["Path", `/var/log/containers/*_${model.namespace}_app-*.log`],
        ["multiline.parser", "docker, cri"],
        ["Tag", "kube.*"],
        ["Mem_Buf_Limit", "5MB"],
        ["Skip_Long_Lines", "On"],
      ])}\n`,
      filters: `${section("FILTER", [
        ["Name", "kubernetes"],
        ["Match", "kube.*"],
        ["Merge_Log", "On"],
        ["Keep_Log", "Off"],
        ["K8S-Logging.Parser", "On"],
        ["K8S-Logging.Exclude", "On"],
      ])}\n\n${section("FILTER", [
        ["Name", "modify"],
        ["Match", "kube.*"],
        ["Add", `slipway_app ${model.name}`],
        ["Add", `slipway_environment ${model.environment}`],
      ])}\n`,
      outputs: `${fluentBitOutput(model, logs)}\n`,
    },
  };
}

/** Values of the amazon-cloudwatch-observability chart: Container Insights with its Fluent Bit. */
export function cloudwatchValues(logs: Extract<LogsModel, { via: "cloudwatch" }>): Record<string, unknown> {
  return { clusterName: logs.clusterName, region: logs.region, containerLogs: { enabled: true } };
}
