import type { AppModel } from "../../model/app-model.js";
import { actionPins, imagePins } from "./pins.js";
import { planPipeline, roleArn } from "./pipeline.js";

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
  const repo = ci.github.repository ?? "OWNER/REPO";
  const account = pipeline.accountId ?? "AWS_ACCOUNT_ID";
  const issuer = provider === "github" ? "token.actions.githubusercontent.com" : "gitlab.com";
  items.push({
    id: "aws-oidc-provider",
    where: "aws",
    title: `IAM OIDC identity provider for ${provider === "github" ? "GitHub Actions" : "GitLab"}`,
    details: [
      `In account ${pipeline.accountId ?? "(your AWS account)"}: provider URL https://${issuer}, audience sts.amazonaws.com.`,
      ...(provider === "gitlab" ? ["Self-managed GitLab: use your instance's URL instead of gitlab.com."] : []),
    ],
  });
  const subject = (suffix: string) => {
    if (provider === "gitlab") return `project_path:${ci.github.repository ?? "GROUP/PROJECT"}:ref_type:branch:ref:${suffix}`;
    if (ci.github.subject === "immutable") {
      const [owner, name] = repo.split("/");
      return `repo:${owner}@${ci.github.ownerId ?? "OWNER_ID"}/${name}@${ci.github.repositoryId ?? "REPO_ID"}:${suffix}`;
    }
    return `repo:${repo}:${suffix}`;
  };
  const roles: [string, string][] = [
    ...(pipeline.registry === "ecr"
      ? [["build", provider === "github" ? `ref:refs/heads/${ci.defaultBranch}` : ci.defaultBranch] as [string, string]]
      : []),
    ...pipeline.stages.map((s): [string, string] => [
      s.environment,
      provider === "github" ? `environment:${s.environment}` : ci.defaultBranch,
    ]),
    ...pipeline.stages
      .filter((s) => s.infra)
      .flatMap((s): [string, string][] => [
        [`${s.environment}-plan`, provider === "github" ? "pull_request" : "*"],
        [`${s.environment}-infra`, provider === "github" ? `environment:${s.environment}-infra` : ci.defaultBranch],
      ]),
  ];
  for (const [key, sub] of roles) {
    items.push({
      id: `aws-role-${key}`,
      where: "aws",
      title: `IAM role ${roleArn(pipeline, key, account)}`,
      details: [
        subject(sub).includes("*")
          ? `Trust policy: Allow sts:AssumeRoleWithWebIdentity for Federated arn:aws:iam::${pipeline.accountId ?? "ACCOUNT"}:oidc-provider/${issuer}, with StringEquals ${issuer}:aud = sts.amazonaws.com and StringLike ${issuer}:sub = ${subject(sub)} (this read-only role only; never ForAllValues).`
          : `Trust policy: Allow sts:AssumeRoleWithWebIdentity for Federated arn:aws:iam::${pipeline.accountId ?? "ACCOUNT"}:oidc-provider/${issuer}, with StringEquals ${issuer}:aud = sts.amazonaws.com and StringEquals ${issuer}:sub = ${subject(sub)} (never ForAllValues, never a wildcard in sub).`,
        key.endsWith("-plan")
          ? `Permissions: read-only (ReadOnlyAccess, plus read and lock-file write on the state bucket), for plans${provider === "github" ? `; the default branch's plan has the subject repo:…:ref:refs/heads/${ci.defaultBranch}: add it as a second StringEquals value` : "; merge request branches vary, so this read-only role alone matches sub with StringLike"}.`
          : key.endsWith("-infra")
            ? "Permissions: what the environment's Terraform manages (VPC, EKS, the database, ECR, IAM roles, ACM) and its state bucket."
            : key === "build"
              ? `Permissions: push to the ECR repository ${pipeline.repository} (ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchGetImage).`
              : `Permissions: eks:DescribeCluster on ${pipeline.stages.find((s) => s.environment === key)?.cluster ?? key}, and an EKS access entry in that cluster for this role, limited to namespace ${pipeline.stages.find((s) => s.environment === key)?.model.namespace ?? pipeline.name}.`,
        "`slipway render terraform` does not render these CI trust policies yet: create them as written here.",
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
