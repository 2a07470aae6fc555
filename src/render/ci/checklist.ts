import type { AppModel } from "../../model/app-model.js";
import { ciAudience, ciIssuer, ciRoleArn, ciRoles } from "./oidc-roles.js";
import { actionPins, imagePins } from "./pins.js";
import { planPipeline } from "./pipeline.js";

/*
 * What a pipeline needs that its YAML cannot set: the settings a person makes once in the CI
 * system and in AWS. `slipway ci checklist` prints it; the same spec gives the same list.
 */

export type Provider = "github" | "gitlab";

export interface ChecklistItem {
  /** Stable identifier, for --json consumers. */
  id: string;
  /** Where the setting lives: the CI system or AWS. */
  where: "github" | "gitlab" | "aws";
  title: string;
  /** One or more lines: exact values to enter. */
  details: string[];
}

/** The setup steps of the pipeline `render ci --provider <provider>` renders from these models. */
export function ciChecklist(models: readonly AppModel[], provider: Provider): ChecklistItem[] {
  const pipeline = planPipeline(models);
  const { ci } = pipeline;
  const items: ChecklistItem[] = [];
  const { url: issuerUrl, host: issuer } = ciIssuer(ci, provider);
  const rendered = ci.provider === provider;
  const created = ci.aws.oidcProvider === "create";
  items.push({
    id: "aws-oidc-provider",
    where: "aws",
    title: `IAM OIDC identity provider for ${provider === "github" ? "GitHub Actions" : "GitLab"}`,
    details: [
      rendered && created && ci.infraEnvironments.length > 0
        ? `slipway render terraform creates it (${issuerUrl}, audience ${ciAudience}) in the root of ${ci.infraEnvironments[0]?.name} (and of the first environment of each other account); apply that root first.`
        : rendered && !created
          ? `The spec names it (ci.aws.oidcProvider ${ci.aws.oidcProvider}): its URL must be ${issuerUrl} and its audiences include ${ciAudience}.`
          : `In account ${pipeline.accountId ?? "(your AWS account)"}: provider URL ${issuerUrl}, audience ${ciAudience}.`,
      ...(provider === "gitlab" ? ["Self-managed GitLab: set ci.gitlab.url to your instance's URL."] : []),
    ],
  });
  for (const role of ciRoles(ci, provider, pipeline.registry === "ecr")) {
    const sub = role.conditions.find((c) => c.variable.endsWith(":sub"));
    const byTerraform = rendered && role.explicitArn === undefined && role.home !== undefined;
    items.push({
      id: `aws-role-${role.key}`,
      where: "aws",
      title: `IAM role ${ciRoleArn(role, "AWS_ACCOUNT_ID")}`,
      details: [
        `Trust policy: Allow sts:AssumeRoleWithWebIdentity for Federated arn:aws:iam::${role.accountId ?? "ACCOUNT"}:oidc-provider/${issuer}, with StringEquals ${issuer}:aud = ${ciAudience} and ${sub?.test ?? "StringEquals"} ${issuer}:sub = ${(sub?.values ?? []).join(" or ")}${sub?.test === "StringLike" ? " (this read-only role only; never ForAllValues)" : " (never ForAllValues, never a wildcard in sub)"}.`,
        role.kind === "plan"
          ? `Permissions: read-only (ReadOnlyAccess, plus read and lock-file write on the state bucket), for plans${provider === "gitlab" ? "; merge request branches vary, so this read-only role alone matches sub with StringLike" : ""}.`
          : role.kind === "infra"
            ? "Permissions: what the environment's Terraform manages (VPC, EKS, the database, ECR, IAM roles, ACM) and its state bucket; the rendered role has AdministratorAccess, and only the reviewed plan, behind the environment's approval, runs with it."
            : role.kind === "build"
              ? `Permissions: push to the ECR repository ${pipeline.repository} (ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchGetImage).`
              : `Permissions: eks:DescribeCluster on ${pipeline.stages.find((s) => s.environment === role.environment)?.cluster ?? role.key}, and an EKS access entry in that cluster for this role, limited to namespace ${pipeline.stages.find((s) => s.environment === role.environment)?.model.namespace ?? pipeline.name}${role.home !== undefined ? "; read of the environment's Terraform state object (deploy reads the root's outputs)" : ""}.`,
        byTerraform
          ? `slipway render terraform -e ${role.home} writes this role, its trust policy and permissions (infra/${role.home}/ci-iam.tf).`
          : role.explicitArn !== undefined
            ? "The spec names this role (ci.aws.roles): create or check it as written here."
            : rendered
              ? "No Terraform root holds this role (its environment has no infra block): create it as written here."
              : `slipway render terraform writes these roles once the spec says ci.provider: ${provider} (with the repository); until then, create them as written here.`,
      ],
    });
  }
  if (pipeline.accountId === undefined || pipeline.region === undefined) {
    items.push({
      id: "ci-variables-aws",
      where: provider,
      title: "AWS account and region as CI variables (the spec gives no ECR image or ci.aws)",
      details: [
        ...(pipeline.accountId === undefined ? ["AWS_ACCOUNT_ID: the 12-digit account of the roles."] : []),
        ...(pipeline.region === undefined ? ["AWS_REGION: the region of the EKS clusters (e.g. eu-west-2)."] : []),
        provider === "github" ? "Settings → Secrets and variables → Actions → Variables." : "Settings → CI/CD → Variables.",
      ],
    });
  }
  for (const stage of pipeline.stages.filter((s) => s.infra)) {
    items.push({
      id: `environment-${stage.environment}-infra`,
      where: provider,
      title: `Environment ${stage.environment}-infra with an approval (infrastructure apply)`,
      details:
        provider === "github"
          ? [
              `Settings → Environments → ${stage.environment}-infra: deployment branches: ${ci.defaultBranch} only; required reviewers read the plan (job summary) before approving.`,
            ]
          : [`Protected environment ${stage.environment}-infra: allowed to deploy and approval rules, as for the app's environments.`],
    });
  }
  for (const stage of pipeline.stages) {
    const secrets = stage.model.secrets.source.kind === "env" ? stage.model.secrets.names : [];
    items.push({
      id: `environment-${stage.environment}`,
      where: provider,
      title: `Environment ${stage.environment}${stage.approval ? " with an approval" : ""}`,
      details:
        provider === "github"
          ? [
              `Settings → Environments → ${stage.environment}: deployment branches: ${ci.defaultBranch} only.`,
              ...(stage.approval ? ["Required reviewers: the people who approve a production deploy; tick 'Prevent self-review'."] : []),
              ...(secrets.length > 0 ? [`Environment secrets: ${secrets.join(", ")}.`] : []),
            ]
          : [
              `Settings → CI/CD → Protected environments → ${stage.environment}: allowed to deploy: maintainers (or a deploy group).`,
              ...(stage.approval ? ["Approval rules: at least one approver; the job waits as manual until then."] : []),
              ...(secrets.length > 0
                ? [`CI/CD variables scoped to ${stage.environment}, protected and masked: ${secrets.join(", ")}.`]
                : []),
            ],
    });
  }
  items.push({
    id: "branch-protection",
    where: provider,
    title: `Protect ${ci.defaultBranch}`,
    details:
      provider === "github"
        ? [
            `Settings → Rules → a ruleset for ${ci.defaultBranch}: require a pull request with a review, require the status checks "Lint, test and slipway check" and "Build the image (no push)", block force pushes.`,
            "Settings → Actions → General: workflow permissions read-only; require approval for workflows from outside collaborators' forks.",
          ]
        : [
            `Settings → Repository → Protected branches: ${ci.defaultBranch}, allowed to push: no one, allowed to merge: maintainers.`,
            "Settings → Merge requests: pipelines must succeed.",
          ],
  });
  if (provider === "github") {
    items.push({
      id: "code-scanning",
      where: "github",
      title: "Code scanning for slipway check's SARIF",
      details: ["Private repositories need GitHub Advanced Security (Code Security) for the upload step; public ones have it."],
    });
  }
  if (pipeline.registry === "ghcr" && provider === "github") {
    items.push({
      id: "registry-ghcr",
      where: "github",
      title: `Package ${pipeline.repository}: Actions access for this repository (write)`,
      details: ["The push uses the job's GITHUB_TOKEN with packages: write; a package created elsewhere must grant the repository access."],
    });
  } else if (pipeline.registry !== "ecr" && !(pipeline.registry === "gitlab" && provider === "gitlab")) {
    items.push({
      id: "registry-credentials",
      where: provider,
      title: `Credentials for ${pipeline.repository.split("/")[0]}`,
      details: [
        provider === "github"
          ? "Environment build: variable REGISTRY_USERNAME and secret REGISTRY_PASSWORD (a token that may push this repository)."
          : "CI/CD variables REGISTRY_USERNAME and REGISTRY_PASSWORD (masked, protected).",
      ],
    });
  }
  items.push({
    id: "pins",
    where: provider,
    title: "Review the pinned actions and images",
    details: [
      `slipway ci pins lists them (${Object.keys(actionPins).length} actions, ${Object.keys(imagePins).length} images); their SHAs were not verified against the actions' repositories.`,
    ],
  });
  return items;
}
