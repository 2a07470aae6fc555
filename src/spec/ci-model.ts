import { SlipwayError } from "../errors/slipway-error.js";
import type { CiModel } from "../model/app-model.js";
import { infraSettings } from "../model/infra.js";
import { locationOf } from "./load.js";
import type { ValidatedSpec } from "./validate.js";

/*
 * The spec's `ci:` block as the model carries it: defaults applied (without loading zod, which the
 * fast validation path avoids), names and roles resolved. The same for every environment's model.
 */

/** The ci model of a validated spec; an environment the block names that CI cannot deploy is a spec error. */
export function buildCiModel(validated: ValidatedSpec): CiModel {
  const { spec } = validated;
  const ci = spec.ci;
  const deployable = Object.values(validated.environments)
    .filter((e) => e.target.type === "kubernetes")
    .map((e) => e.name);
  const environments = ci?.environments ? [...ci.environments] : deployable;
  environments.forEach((name, i) => {
    if (deployable.includes(name)) return;
    const known = validated.environments[name] !== undefined;
    throw new SlipwayError(
      "SPEC_RULE",
      known
        ? `ci.environments[${i}]: environment '${name}' targets ${validated.environments[name]?.target.type}; a pipeline deploys only Kubernetes environments`
        : `ci.environments[${i}]: environment '${name}' is not in environments`,
      {
        location: locationOf(validated.source, ["ci", "environments", i]),
        hint:
          deployable.length > 0 ? `Name Kubernetes environments: ${deployable.join(", ")}.` : "Add an environment with target: kubernetes.",
      },
    );
  });
  const provider = ci?.provider;
  const missing =
    provider === "github" && ci?.github.repository === undefined
      ? {
          path: ["ci", "github"],
          message: "ci.provider github: ci.github.repository (OWNER/REPO) is missing",
          hint: "Add ci.github.repository: OWNER/REPO; the OIDC trust policies match it.",
        }
      : provider === "gitlab" && ci?.gitlab.project === undefined
        ? {
            path: ["ci", "gitlab"],
            message: "ci.provider gitlab: ci.gitlab.project (GROUP/PROJECT) is missing",
            hint: "Add ci.gitlab.project: GROUP/PROJECT; the OIDC trust policies match it.",
          }
        : provider === "github" &&
            ci?.github.subject === "immutable" &&
            (ci.github.ownerId === undefined || ci.github.repositoryId === undefined)
          ? {
              path: ["ci", "github", "subject"],
              message:
                "ci.github.subject immutable: ci.github.ownerId and ci.github.repositoryId are needed for repo:OWNER@ID/REPO@ID subjects",
              hint: "Add both numeric IDs (gh api repos/OWNER/REPO --jq '.owner.id, .id'), or use subject: legacy.",
            }
          : undefined;
  if (missing) {
    throw new SlipwayError("SPEC_RULE", missing.message, {
      location: locationOf(validated.source, missing.path),
      hint: missing.hint,
    });
  }
  const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\//.exec(spec.app.image);
  const roleRule = ci?.aws.roleName ?? "{name}-ci-{environment}";
  const clusterRule = ci?.aws.eksCluster;
  const fill = (rule: string, environment: string) => rule.replaceAll("{name}", spec.name).replaceAll("{environment}", environment);
  const roleNames: Record<string, string> = {};
  const eksClusters: Record<string, string> = {};
  for (const name of ["build", ...environments, ...environments.flatMap((e) => [`${e}-plan`, `${e}-infra`])])
    roleNames[name] = fill(roleRule, name);
  if (clusterRule !== undefined) for (const name of environments) eksClusters[name] = fill(clusterRule, name);
  const infraEnvironments = environments.flatMap((name) => {
    const infra = infraSettings(validated, name);
    return infra ? [{ name, accountId: infra.accountId }] : [];
  });
  return {
    provider,
    defaultBranch: ci?.defaultBranch ?? "main",
    install: ci?.install ? [...ci.install] : undefined,
    lint: ci?.lint ? [...ci.lint] : undefined,
    test: ci?.test ? [...ci.test] : undefined,
    environments,
    aws: {
      region: ci?.aws.region ?? ecr?.[2],
      accountId: ci?.aws.accountId ?? ecr?.[1],
      roleNames,
      roleArns: { ...(ci?.aws.roles ?? {}) },
      eksClusters,
      oidcProvider: ci?.aws.oidcProvider ?? "create",
    },
    infraEnvironments,
    github: {
      subject: ci?.github.subject ?? "legacy",
      repository: ci?.github.repository,
      ownerId: ci?.github.ownerId,
      repositoryId: ci?.github.repositoryId,
    },
    gitlab: { image: ci?.gitlab.image, project: ci?.gitlab.project, url: ci?.gitlab.url ?? "https://gitlab.com" },
  };
}
