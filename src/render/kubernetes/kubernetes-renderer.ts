import type { Renderer } from "../renderer.js";

/** `slipway render kubernetes`: one environment's objects, one file each, in apply order. */
export const kubernetesRenderer: Renderer = {
  name: "kubernetes",
  aliases: ["k8s"],
  description: "render one environment's Kubernetes objects as a YAML stream",
  output: "Kubernetes objects",
  needs: "kubernetes",
  scope: "environment",
  async render(models) {
    const [{ renderKubernetes }, { toYaml }] = await Promise.all([import("./render-kubernetes.js"), import("../yaml-stream.js")]);
    return models.flatMap((model) =>
      renderKubernetes(model).map((object, i) => ({
        path: `${String(i + 1).padStart(2, "0")}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`,
        content: toYaml(object),
        check: "kubernetes" as const,
        data: object,
      })),
    );
  },
  command: {
    out: { stdout: "yaml-stream", description: "write one file per object into this folder instead of stdout" },
    tag: "image tag to deploy (overrides the spec's)",
    digest: "image digest to deploy (wins over the tag)",
    examples: [
      "slipway render kubernetes -f slipway.yaml -e production",
      "slipway render kubernetes -e staging --tag 1.4.2 --out build/k8s",
      "slipway render kubernetes -e production | kubectl apply --server-side -f -",
    ],
    written: ({ models, out, files }) => ({
      line: `${files.length} objects for ${models.map((m) => m.environment).join(", ")} written to ${out}`,
      result: { environment: models[0]?.environment, files },
    }),
  },
};
