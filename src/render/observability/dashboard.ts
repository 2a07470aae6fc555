import type { AppModel } from "../../model/app-model.js";
import { sha256Hex } from "../sha256.js";
import { errorRatioRecord, latencyRecord, ownLabels, requestRateRecord, selector } from "./prometheus-rules.js";

/*
 * The Grafana dashboard of one environment: RED (request rate, errors, duration) from the SLO's
 * recording rules, the pods and the autoscaler from kube-state-metrics, the database's
 * connections from its usual exporter. Every panel reads the `datasource` variable, so the
 * dashboard imports into any Grafana with a Prometheus data source.
 */

export interface DashboardPanel {
  id: number;
  type: "timeseries" | "stat";
  title: string;
  description: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: { type: "prometheus"; uid: string };
  fieldConfig: { defaults: { unit: string; min?: number }; overrides: [] };
  targets: { refId: string; expr: string; legendFormat: string }[];
}

/** Grafana's reference to the dashboard's `datasource` variable (a literal `${…}`, not a JavaScript template). */
export const datasourceUid = ["$", "{datasource}"].join("");

/** Grafana's dashboard uid: at most 40 characters. */
export function dashboardUid(model: AppModel): string {
  const uid = `slipway-${model.name}-${model.environment}`;
  return uid.length <= 40 ? uid : `${uid.slice(0, 29)}-${sha256Hex(uid).slice(0, 10)}`;
}

type PanelSpec = Omit<DashboardPanel, "id" | "gridPos" | "datasource" | "fieldConfig"> & { unit: string; min?: number };

export function dashboard(model: AppModel): Record<string, unknown> {
  const ns = model.namespace;
  const own = selector(Object.entries(ownLabels(model)));
  const specs: PanelSpec[] = [];
  const slo = model.slo;
  if (slo) {
    specs.push(
      {
        type: "timeseries",
        title: "Requests per second",
        description: `All requests (${slo.requests.counter}, source ${slo.requests.source}).`,
        unit: "reqps",
        min: 0,
        targets: [{ refId: "A", expr: `${requestRateRecord}${own}`, legendFormat: "requests" }],
      },
      {
        type: "timeseries",
        title: "Error ratio (5xx)",
        description: `Share of requests answered with a 5xx; the SLO allows ${slo.errorBudget} over ${slo.windowDays}d.`,
        unit: "percentunit",
        min: 0,
        targets: [
          { refId: "A", expr: `${errorRatioRecord("5m")}${own}`, legendFormat: "5m" },
          { refId: "B", expr: `${errorRatioRecord("1h")}${own}`, legendFormat: "1h" },
          { refId: "C", expr: `${slo.errorBudget} + 0 * ${errorRatioRecord("5m")}${own}`, legendFormat: "budget" },
        ],
      },
    );
  }
  if (slo?.requests.hasHistogram) {
    specs.push({
      type: "timeseries",
      title: "Request duration",
      description: `Quantiles of ${slo.requests.histogram}${slo.latencyP99Ms === undefined ? "" : `; the p99 target is ${slo.latencyP99Ms} ms`}.`,
      unit: "s",
      min: 0,
      targets: [
        ...[0.5, 0.9].map((q, i) => ({
          refId: String.fromCharCode(65 + i),
          expr: `histogram_quantile(${q}, sum by (le) (rate(${slo.requests.histogram}_bucket${selector(slo.requests.selector)}[5m])))`,
          legendFormat: `p${q * 100}`,
        })),
        {
          refId: "C",
          expr:
            slo.latencyP99Ms === undefined
              ? `histogram_quantile(0.99, sum by (le) (rate(${slo.requests.histogram}_bucket${selector(slo.requests.selector)}[5m])))`
              : `${latencyRecord}${own}`,
          legendFormat: "p99",
        },
      ],
    });
  }
  if (slo) {
    specs.push({
      type: "stat",
      title: `Error budget left (${slo.windowDays}d)`,
      description: `1 − (error ratio over the window ÷ budget); below 0 the ${slo.availabilityPercent}% target is missed.`,
      unit: "percentunit",
      targets: [
        {
          refId: "A",
          expr: `1 - (sum by (namespace) (increase(${slo.requests.counter}${selector([...slo.requests.selector, [slo.requests.statusLabel, "5..", "=~"]])}[${slo.windowDays}d])) / sum by (namespace) (increase(${slo.requests.counter}${selector(slo.requests.selector)}[${slo.windowDays}d]))) / ${slo.errorBudget}`,
          legendFormat: "budget left",
        },
      ],
    });
  }
  specs.push(
    {
      type: "timeseries",
      title: "Pods available",
      description: "Available replicas of the Deployment against those it asks for (kube-state-metrics).",
      unit: "short",
      min: 0,
      targets: [
        {
          refId: "A",
          expr: `kube_deployment_status_replicas_available${selector([
            ["deployment", model.name],
            ["namespace", ns],
          ])}`,
          legendFormat: "available",
        },
        {
          refId: "B",
          expr: `kube_deployment_spec_replicas${selector([
            ["deployment", model.name],
            ["namespace", ns],
          ])}`,
          legendFormat: "desired",
        },
      ],
    },
    {
      type: "timeseries",
      title: "Container restarts (1h)",
      description: "Restarts of the app container per pod over the last hour (kube-state-metrics).",
      unit: "short",
      min: 0,
      targets: [
        {
          refId: "A",
          expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total${selector([
            ["container", "app"],
            ["namespace", ns],
          ])}[1h]))`,
          legendFormat: "{{pod}}",
        },
      ],
    },
  );
  if (model.replicas.autoscale) {
    const hpa = selector([
      ["horizontalpodautoscaler", model.name],
      ["namespace", ns],
    ]);
    specs.push({
      type: "timeseries",
      title: "Autoscaler replicas",
      description: `Current and desired replicas of the HorizontalPodAutoscaler, between ${model.replicas.min} and ${model.replicas.max}.`,
      unit: "short",
      min: 0,
      targets: [
        { refId: "A", expr: `kube_horizontalpodautoscaler_status_current_replicas${hpa}`, legendFormat: "current" },
        { refId: "B", expr: `kube_horizontalpodautoscaler_status_desired_replicas${hpa}`, legendFormat: "desired" },
        { refId: "C", expr: `kube_horizontalpodautoscaler_spec_max_replicas${hpa}`, legendFormat: "max" },
      ],
    });
  }
  const db = model.database;
  if (db) {
    specs.push(
      db.engine === "postgres"
        ? {
            type: "timeseries",
            title: "Database connections",
            description: `Backends connected to database ${db.name} (postgres_exporter's pg_stat_database_numbackends).`,
            unit: "short",
            min: 0,
            targets: [{ refId: "A", expr: `sum(pg_stat_database_numbackends${selector([["datname", db.name]])})`, legendFormat: db.name }],
          }
        : {
            type: "timeseries",
            title: "Database connections",
            description: "Threads connected to the MySQL server (mysqld_exporter's mysql_global_status_threads_connected).",
            unit: "short",
            min: 0,
            targets: [{ refId: "A", expr: "sum(mysql_global_status_threads_connected)", legendFormat: "connected" }],
          },
    );
  }
  const panels: DashboardPanel[] = specs.map(({ unit, min, ...spec }, i) => ({
    ...spec,
    id: i + 1,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    datasource: { type: "prometheus", uid: datasourceUid },
    fieldConfig: { defaults: { unit, ...(min === undefined ? {} : { min }) }, overrides: [] },
  }));
  return {
    uid: dashboardUid(model),
    title: `${model.name} (${model.environment})`,
    description: `RED metrics, pods and autoscaling of ${model.name} in ${model.environment}, rendered by slipway render observability.`,
    tags: ["slipway", model.name, model.environment],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    templating: {
      list: [{ name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0 }],
    },
    panels,
  };
}
