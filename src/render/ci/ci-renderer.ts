import type { Renderer } from "../renderer.js";

const providers = ["github", "gitlab"] as const;

/** `slipway render ci`: the CI/CD pipeline of every Kubernetes environment, for GitHub Actions or GitLab CI. */
export const ciRenderer: Renderer = {
  name: "ci",
  description: "render the CI/CD pipeline: checks on pull requests, one image build, the same digest deployed to each environment",
  output: "a CI/CD pipeline",
  needs: "kubernetes",
  scope: "spec",
  options: [{ name: "provider", description: "CI system", choices: providers, required: true }],
  async render(models, options) {
    const { planPipeline } = await import("./pipeline.js");
    const pipeline = planPipeline(models);
    if (options?.choices?.provider === "gitlab") {
      const { renderGitlab } = await import("./render-gitlab.js");
      return [{ path: ".gitlab-ci.yml", content: renderGitlab(pipeline), check: "gitlab-ci" as const }];
    }
    const { renderGithub } = await import("./render-github.js");
    return [{ path: ".github/workflows/slipway.yml", content: renderGithub(pipeline), check: "github-actions" as const }];
  },
  command: {
    out: { default: ".", description: "folder to write into (the repository root)" },
    tag: "not used: the pipeline builds the image and deploys it by digest",
    digest: "not used: the pipeline builds the image and deploys it by digest",
    examples: [
      "slipway render ci --provider github",
      "slipway render ci --provider gitlab --out /tmp/ci",
      "slipway ci checklist --provider github",
    ],
    assumes: (models, options) => {
      const provider = options.choices?.provider;
      const declared = models[0]?.ci.provider;
      const other =
        declared !== undefined && provider !== undefined && declared !== provider
          ? [
              {
                path: "slipway.yaml",
                always: true,
                message: `ci.provider is ${declared}, so render terraform's CI roles trust ${declared}'s tokens: this ${provider} pipeline's jobs could not assume them`,
                hint: `Set ci.provider: ${provider} (with the repository) and render terraform again, or render --provider ${declared}.`,
              },
            ]
          : [];
      const build = models[0]?.build;
      if (build === undefined)
        return [
          ...other,
          {
            path: "slipway.yaml",
            always: true,
            message: "the spec has no app.build, so the pipeline's build and publish jobs stop at slipway build (BUILD_NOT_CONFIGURED)",
            hint: "Add app.build (context, dockerfile) to slipway.yaml and a Dockerfile, then render again.",
          },
        ];
      const path = `${build.context.replace(/\/+$/, "")}/${build.dockerfile}`;
      return [
        ...other,
        {
          path,
          message: `no Dockerfile at app.build (${build.context}, ${build.dockerfile}): the pipeline's build and publish jobs would fail`,
          hint: "Add the Dockerfile (slipway init can write one), or point app.build.dockerfile at it.",
        },
      ];
    },
    written: ({ models, out, files, options }) => {
      const provider = options.choices?.provider ?? "github";
      return {
        line: `${provider} pipeline for ${models[0]?.ci.environments.join(" → ") ?? ""} written to ${out} (${files.length} file${files.length === 1 ? "" : "s"}); next: slipway ci checklist --provider ${provider}`,
        result: { provider, environments: models[0]?.ci.environments ?? [], files },
      };
    },
  },
};
