import type { Renderer } from "../renderer.js";

/** `slipway render terraform`: one environment's AWS infrastructure as a Terraform root module in <out>/<environment>/. */
export const terraformRenderer: Renderer = {
  name: "terraform",
  aliases: ["tf"],
  description: "render one environment's AWS infrastructure (VPC, EKS, database, ECR, IAM, ACM) as Terraform",
  output: "Terraform for AWS",
  needs: "aws",
  scope: "environment",
  async render(models, options) {
    const { renderTerraform } = await import("./render-terraform.js");
    return models.flatMap((model) =>
      renderTerraform(model, options?.json === true).map((file) => ({ ...file, check: "terraform" as const })),
    );
  },
  command: {
    out: { default: "infra", description: "folder to write into; the root module goes to <out>/<environment>/" },
    tag: "not used by Terraform (accepted for symmetry with the other renderers)",
    digest: "not used by Terraform",
    examples: [
      "slipway render terraform -e production --out infra/",
      "slipway render terraform -e staging --json --out infra/",
      "cd infra/production && terraform init && terraform plan",
    ],
    written: ({ models, out, outPath, files }) => ({
      line: `Terraform for ${models.map((m) => m.environment).join(", ")} written to ${out}/${models[0]?.environment ?? ""} (${files.length} files)`,
      result: { environment: models[0]?.environment, root: `${outPath}/${models[0]?.environment ?? ""}`, files },
    }),
  },
};
