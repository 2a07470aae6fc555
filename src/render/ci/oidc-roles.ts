import type { CiModel } from "../../model/app-model.js";

/*
 * The pipeline's AWS roles and what may assume each, decided once: the pipeline renders the ARNs
 * it assumes from here, `render terraform` the roles and their trust policies, and `slipway ci
 * checklist` the same facts as text. Each role is bound to the token of exactly the jobs that use
 * it: GitHub puts the job's environment in the subject, so a production deploy role admits only
 * `environment:production`; GitLab's subject names the branch, never the environment.
 */

export type CiProvider = "github" | "gitlab";
export type CiRoleKind = "build" | "deploy" | "plan" | "infra";

/** The audience both pipelines ask for (configure-aws-credentials' default; the GitLab jobs' id_tokens). */
export const ciAudience = "sts.amazonaws.com";

/** One condition of a trust policy: `test` of `variable` against any of `values`. */
export interface TrustCondition {
  test: "StringEquals" | "StringLike";
  variable: string;
  values: string[];
}

export interface CiRole {
  /** "build", the environment, or `<env>-plan` / `<env>-infra`: the key of ci.aws.roles and roleName's {environment}. */
  key: string;
  kind: CiRoleKind;
  /** The environment the role serves (undefined for build). */
  environment: string | undefined;
  /** The environment whose Terraform root holds the role; undefined: no root does (no infra block). */
  home: string | undefined;
  name: string;
  /** The AWS account the role is in; undefined: a CI variable. */
  accountId: string | undefined;
  /** The spec gives the ARN (ci.aws.roles): the role is made elsewhere, never rendered. */
  explicitArn: string | undefined;
  conditions: TrustCondition[];
}

/** The OIDC issuer: the IAM provider's URL and the prefix of its condition keys. */
export function ciIssuer(ci: CiModel, provider: CiProvider): { url: string; host: string } {
  const url = provider === "github" ? "https://token.actions.githubusercontent.com" : ci.gitlab.url;
  return { url, host: url.replace(/^https:\/\//, "") };
}

/** The account of the pipeline's roles: ci.aws (or the ECR image), else the first infra environment's. */
export function ciAccountId(ci: CiModel): string | undefined {
  return ci.aws.accountId ?? ci.infraEnvironments.find((e) => e.accountId !== undefined)?.accountId;
}

/** Whether app.image is on ECR: then the push job has a role of its own. */
export function isEcrImage(repository: string): boolean {
  return /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//.test(repository);
}

/**
 * The subject of a job's token. GitHub: `repo:OWNER/REPO:<suffix>`, or with `subject: immutable`
 * `repo:OWNER@OWNER_ID/REPO@REPO_ID:<suffix>` (GitHub's format that survives a rename); GitLab:
 * `project_path:GROUP/PROJECT:ref_type:branch:ref:<branch>`.
 */
export function ciSubject(ci: CiModel, provider: CiProvider, suffix: string): string {
  if (provider === "gitlab") return `project_path:${ci.gitlab.project ?? "GROUP/PROJECT"}:ref_type:branch:ref:${suffix}`;
  const [owner = "OWNER", name = "REPO"] = (ci.github.repository ?? "OWNER/REPO").split("/");
  if (ci.github.subject === "immutable")
    return `repo:${owner}@${ci.github.ownerId ?? "OWNER_ID"}/${name}@${ci.github.repositoryId ?? "REPO_ID"}:${suffix}`;
  return `repo:${owner}/${name}:${suffix}`;
}

/** Every role the pipeline assumes, in pipeline order: build (ECR only), then per environment deploy, plan and infra. */
export function ciRoles(ci: CiModel, provider: CiProvider, ecr: boolean): CiRole[] {
  const { host } = ciIssuer(ci, provider);
  const branch = ci.defaultBranch;
  const infraHome = new Map(ci.infraEnvironments.map((e) => [e.name, e]));
  const equals = (values: string[]): TrustCondition[] => [
    { test: "StringEquals", variable: `${host}:aud`, values: [ciAudience] },
    { test: "StringEquals", variable: `${host}:sub`, values },
  ];
  const onBranch = provider === "github" ? `ref:refs/heads/${branch}` : branch;
  const role = (key: string, kind: CiRoleKind, environment: string | undefined, conditions: TrustCondition[]): CiRole => {
    const home = environment === undefined ? ci.infraEnvironments[0]?.name : infraHome.has(environment) ? environment : undefined;
    return {
      key,
      kind,
      environment,
      home,
      name: ci.aws.roleNames[key] ?? key,
      // A role in a Terraform root lives in that root's account.
      accountId: (home !== undefined ? infraHome.get(home)?.accountId : undefined) ?? ciAccountId(ci),
      explicitArn: ci.aws.roleArns[key],
      conditions,
    };
  };
  const roles: CiRole[] = [];
  if (ecr) roles.push(role("build", "build", undefined, equals([ciSubject(ci, provider, onBranch)])));
  for (const environment of ci.environments) {
    roles.push(
      role(
        environment,
        "deploy",
        environment,
        equals([ciSubject(ci, provider, provider === "github" ? `environment:${environment}` : branch)]),
      ),
    );
    if (!infraHome.has(environment)) continue;
    roles.push(
      role(
        `${environment}-plan`,
        "plan",
        environment,
        provider === "github"
          ? equals([ciSubject(ci, provider, "pull_request"), ciSubject(ci, provider, onBranch)])
          : // A merge request pipeline's subject names its source branch, which varies: this read-only role alone matches a pattern.
            [
              { test: "StringEquals", variable: `${host}:aud`, values: [ciAudience] },
              { test: "StringLike", variable: `${host}:sub`, values: [ciSubject(ci, provider, "*")] },
            ],
      ),
      role(
        `${environment}-infra`,
        "infra",
        environment,
        equals([ciSubject(ci, provider, provider === "github" ? `environment:${environment}-infra` : branch)]),
      ),
    );
  }
  return roles;
}

/** The ARN a job assumes: the spec's, or the role's name in its account (a CI variable when unknown). */
export function ciRoleArn(role: Pick<CiRole, "explicitArn" | "accountId" | "name">, accountVariable: string): string {
  return role.explicitArn ?? `arn:aws:iam::${role.accountId ?? accountVariable}:role/${role.name}`;
}

/** The trust policy document of a role, as IAM reads it. */
export function trustPolicyDocument(role: CiRole, providerArn: unknown): Record<string, unknown> {
  const condition: Record<string, Record<string, string | string[]>> = {};
  for (const c of role.conditions) {
    condition[c.test] ??= {};
    (condition[c.test] as Record<string, string | string[]>)[c.variable] = c.values.length === 1 ? (c.values[0] as string) : c.values;
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CiOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
      },
    ],
  };
}
