/*
 * One environment's service level objectives and log shipping: the spec's `slo` and `logs` blocks
 * with the environment's overlay merged (done by validation), every default decided here.
 * `render observability` renders them.
 */

/** The `slo` block as validation leaves it. */
export interface SloInput {
  availability: number;
  latencyP99Ms?: number | undefined;
  window: string;
  requests: {
    source?: "app" | "ingress-nginx" | undefined;
    counter?: string | undefined;
    statusLabel?: string | undefined;
    histogram?: string | undefined;
  };
}

/** The `logs` block as validation leaves it. */
export interface LogsInput {
  via: "fluent-bit" | "cloudwatch" | "none";
  output: "loki" | "opensearch" | "forward";
  host?: string | undefined;
  port?: number | undefined;
  tls: boolean;
}

export interface SloModel {
  /** Availability target, percent (99.9). */
  availabilityPercent: number;
  /** The error budget, 1 − availability, as an exact decimal for PromQL ("0.001"). */
  errorBudget: string;
  latencyP99Ms: number | undefined;
  windowDays: number;
  requests: {
    source: "app" | "ingress-nginx";
    /** Request counter with an HTTP status label. */
    counter: string;
    statusLabel: string;
    /** Request duration histogram in seconds, without `_bucket`. */
    histogram: string;
    /** Whether the histogram is known to exist: ingress-nginx's, or one the spec names or sets a latency target on. */
    hasHistogram: boolean;
    /** Label matchers that pick this environment's requests out of the metric (sorted by name). */
    selector: [string, string][];
  };
}

export type LogsModel =
  | { via: "none" }
  | { via: "fluent-bit"; output: "loki" | "opensearch" | "forward"; host: string; port: number; tls: boolean }
  | { via: "cloudwatch"; region: string; clusterName: string };

/** What the SLO's request selector needs to know of the rendered objects. */
export interface SloTargets {
  namespace: string;
  /** The app's Service (the ServiceMonitor's `service` label) and Ingress name. */
  name: string;
  ingressClass: "alb" | "nginx" | undefined;
}

/** The SLO with every default decided. Validation has made sure the chosen source exists. */
export function sloModel(slo: SloInput, targets: SloTargets): SloModel {
  const source = slo.requests.source ?? (targets.ingressClass === "nginx" ? "ingress-nginx" : "app");
  const nginx = source === "ingress-nginx";
  return {
    availabilityPercent: slo.availability,
    errorBudget: String((100_000 - Math.round(slo.availability * 1000)) / 100_000),
    latencyP99Ms: slo.latencyP99Ms,
    windowDays: Number(slo.window.slice(0, -1)),
    requests: {
      source,
      counter: nginx ? "nginx_ingress_controller_requests" : (slo.requests.counter ?? "http_requests_total"),
      statusLabel: nginx ? "status" : (slo.requests.statusLabel ?? "status"),
      histogram: nginx ? "nginx_ingress_controller_request_duration_seconds" : (slo.requests.histogram ?? "http_request_duration_seconds"),
      hasHistogram: nginx || slo.requests.histogram !== undefined || slo.latencyP99Ms !== undefined,
      // ingress-nginx labels each request with the Ingress's namespace and name; the app's own
      // metrics get the Service's namespace and name from the ServiceMonitor's scrape.
      selector: nginx
        ? [
            ["ingress", targets.name],
            ["namespace", targets.namespace],
          ]
        : [
            ["namespace", targets.namespace],
            ["service", targets.name],
          ],
    },
  };
}

/** Default port of each Fluent Bit output's usual server. */
const outputPorts: Readonly<Record<LogsInput["output"], number>> = { loki: 3100, opensearch: 9200, forward: 24224 };

/** Log shipping with every default decided; cloudwatch takes the region and cluster of the environment's infra. */
export function logsModel(logs: LogsInput | undefined, infra: { region: string; clusterName: string } | undefined): LogsModel {
  if (logs === undefined || logs.via === "none") return { via: "none" };
  if (logs.via === "cloudwatch") {
    // Validation refuses cloudwatch without an infra block.
    return { via: "cloudwatch", region: infra?.region ?? "", clusterName: infra?.clusterName ?? "" };
  }
  return { via: "fluent-bit", output: logs.output, host: logs.host ?? "", port: logs.port ?? outputPorts[logs.output], tls: logs.tls };
}
