import type { Renderer } from "../renderer.js";

/** `slipway render helm`: one chart for every Kubernetes environment, with a values file each. */
export const helmRenderer: Renderer = {
  name: "helm",
  description: "render a Helm chart with a values file per environment",
  output: "a Helm chart",
  needs: "kubernetes",
  scope: "spec",
  async render(models) {
    const { renderHelm } = await import("./render-helm.js");
    return renderHelm(models).map((file) => ({ ...file, check: "helm-chart" as const }));
  },
  command: {
    out: { default: "chart", description: "chart folder" },
    tag: "image tag to put in the values (overrides the spec's)",
    digest: "image digest to put in the values",
    examples: ["slipway render helm --out chart/", "helm upgrade --install shop chart/ -n shop -f chart/values-production.yaml"],
    written: ({ models, out, outPath, files }) => ({
      line: `chart written to ${out} (${files.length} files; values for ${models.map((m) => m.environment).join(", ")})`,
      result: { chart: outPath, files },
    }),
  },
};
