import type { Renderer } from "../renderer.js";

/**
 * `slipway render observability`: one environment's alerts (PrometheusRule), alert routes
 * (AlertmanagerConfig), Grafana dashboard (ConfigMap) and log agent values. A renderer of its own,
 * not part of `render kubernetes`: its objects need prometheus-operator's CRDs and a Grafana
 * sidecar, which a cluster may not have, and the deploy engine applies what `render kubernetes` makes.
 */
export const observabilityRenderer: Renderer = {
  name: "observability",
  aliases: ["o11y"],
  description: "render one environment's SLO alerts, alert routes, Grafana dashboard and log agent values",
  output: "monitoring objects",
  needs: "kubernetes",
  scope: "environment",
  usesImage: false,
  async render(models) {
    const { renderObservability } = await import("./render-observability.js");
    return models.flatMap((model) => renderObservability(model));
  },
  command: {
    out: { default: "observability", description: "folder to write into" },
    tag: "not used: monitoring does not depend on the image",
    digest: "not used: monitoring does not depend on the image",
    examples: [
      "slipway render observability -e production",
      "slipway render observability -e staging --out monitoring/staging",
      "kubectl apply -f observability/ --server-side",
    ],
    written: ({ models, out, files }) => ({
      line: `${files.length} files for ${models.map((m) => m.environment).join(", ")} written to ${out} (alerts, routes, dashboard${files.length > 3 ? ", log agent values" : ""})`,
      result: { environment: models[0]?.environment, files },
    }),
  },
};
