import type { AppModel } from "../../model/app-model.js";
import type { KubeObject } from "../kubernetes/render-kubernetes.js";

/*
 * The Alertmanager route stub: an AlertmanagerConfig (prometheus-operator) in the app's namespace
 * that sends this environment's alerts to a `page` or a `ticket` receiver by their severity. The
 * receivers are empty on purpose: who gets paged is the team's to fill in (PagerDuty, Opsgenie,
 * Slack, email), and an empty receiver drops alerts rather than sending them somewhere wrong.
 * The operator adds a namespace matcher to the route, so the stub only sees this namespace's alerts.
 */

export const receivers = ["page", "ticket"] as const;

/** The route, as the operator reads it (camelCase keys, matchers as objects). */
export function alertRoute(model: AppModel): Record<string, unknown> {
  return {
    receiver: "ticket",
    groupBy: ["alertname", "slipway_environment"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
    matchers: [
      { name: "slipway_app", value: model.name, matchType: "=" },
      { name: "slipway_environment", value: model.environment, matchType: "=" },
    ],
    routes: receivers.map((receiver) => ({
      receiver,
      matchers: [{ name: "severity", value: receiver, matchType: "=" }],
      ...(receiver === "page" ? { repeatInterval: "1h" } : {}),
    })),
  };
}

export function alertmanagerConfig(model: AppModel, metadata: KubeObject["metadata"]): KubeObject {
  return {
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "AlertmanagerConfig",
    metadata,
    spec: { route: alertRoute(model), receivers: receivers.map((name) => ({ name })) },
  };
}
