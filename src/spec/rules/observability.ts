import type { AppSpec, InfraSpec, IngressSpec, LogsSpec, SloSpec } from "../schema.js";

/** A SpecRule over the part of the merged view it reads (own type: importing index.ts would be a cycle). */
type ObservabilityRule = (input: {
  app: AppSpec;
  ingress: IngressSpec | undefined;
  infra: InfraSpec | undefined;
  slo: SloSpec | undefined;
  logs: LogsSpec | undefined;
}) => { path: (string | number)[]; message: string; hint: string }[];

/** Where the SLO's request metrics come from, as the model decides it. */
export function sloSource(slo: SloSpec, ingress: IngressSpec | undefined): "app" | "ingress-nginx" {
  return slo.requests.source ?? (ingress?.class === "nginx" ? "ingress-nginx" : "app");
}

/** An SLO counts requests: the app's own metrics or ingress-nginx's must exist (an ALB exports none to Prometheus). */
const sloHasRequestMetrics: ObservabilityRule = ({ app, ingress, slo }) => {
  if (!slo) return [];
  const source = sloSource(slo, ingress);
  if (source === "app" && app.metrics === undefined)
    return [
      {
        path: ["slo"],
        message:
          slo.requests.source === "app"
            ? "counts the app's request metrics, but app.metrics is not set"
            : `needs request metrics: app.metrics is not set and the ingress is ${ingress ? `class ${ingress.class}` : "absent"}, not ingress-nginx`,
        hint: "Expose a request counter (and a duration histogram) on the app's /metrics and add app.metrics: { path: /metrics }, or serve through ingress-nginx (ingress.class: nginx).",
      },
    ];
  if (source === "ingress-nginx" && ingress?.class !== "nginx")
    return [
      {
        path: ["slo", "requests", "source"],
        message: `is ingress-nginx, but ${ingress ? `ingress.class is ${ingress.class}` : "the environment has no ingress"}`,
        hint: "Use source: app (the app's own metrics), or ingress.class: nginx.",
      },
    ];
  if (source === "ingress-nginx") {
    const set = (["counter", "statusLabel", "histogram"] as const).find((k) => slo.requests[k] !== undefined);
    if (set)
      return [
        {
          path: ["slo", "requests", set],
          message: "applies to source app only: ingress-nginx's metric names are fixed",
          hint: `Remove slo.requests.${set}, or set slo.requests.source: app.`,
        },
      ];
  }
  return [];
};

const logsFluentBitHasHost: ObservabilityRule = ({ logs }) =>
  logs?.via === "fluent-bit" && logs.host === undefined
    ? [
        {
          path: ["logs", "host"],
          message: "is required with via: fluent-bit",
          hint: "Name the host Fluent Bit sends to, e.g. host: loki-gateway.monitoring (with output: loki).",
        },
      ]
    : [];

const logsCloudwatchHasInfra: ObservabilityRule = ({ logs, infra }) =>
  logs?.via === "cloudwatch" && infra === undefined
    ? [
        {
          path: ["logs", "via"],
          message: "is cloudwatch, but the environment has no infra block (its region and EKS cluster name the log groups)",
          hint: "Add an infra block (docs/infra.md), or ship with via: fluent-bit.",
        },
      ]
    : [];

export const observabilityRules: readonly ObservabilityRule[] = [sloHasRequestMetrics, logsFluentBitHasHost, logsCloudwatchHasInfra];
