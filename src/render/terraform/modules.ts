/*
 * The terraform-aws-modules releases slipway's Terraform calls, and the version floors of Terraform
 * and its providers. The module tags are those of the shared fact table
 * (test/fixtures/terraform/terraform-aws-modules-inputs.json), which a test reads to check every argument slipway emits.
 */

export interface ModuleRelease {
  /** Registry source, with `//modules/<sub>` for a submodule. */
  source: string;
  /** The release the arguments were checked against (the fact table's tag, without the v). */
  release: string;
}

export const modules = {
  vpc: { source: "terraform-aws-modules/vpc/aws", release: "6.6.0" },
  flowLog: { source: "terraform-aws-modules/vpc/aws//modules/flow-log", release: "6.6.0" },
  eks: { source: "terraform-aws-modules/eks/aws", release: "21.19.0" },
  podIdentity: { source: "terraform-aws-modules/eks-pod-identity/aws", release: "2.8.1" },
  iamRole: { source: "terraform-aws-modules/iam/aws//modules/iam-role", release: "6.5.0" },
  irsa: { source: "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts", release: "6.5.0" },
  aurora: { source: "terraform-aws-modules/rds-aurora/aws", release: "10.2.0" },
  rds: { source: "terraform-aws-modules/rds/aws", release: "7.2.0" },
  ecr: { source: "terraform-aws-modules/ecr/aws", release: "3.2.0" },
  acm: { source: "terraform-aws-modules/acm/aws", release: "6.3.0" },
  kms: { source: "terraform-aws-modules/kms/aws", release: "4.2.0" },
} as const satisfies Record<string, ModuleRelease>;

/**
 * `~> MAJOR.MINOR` of a release: any later minor or patch of the same major, never the next major
 * (whose inputs may differ from those the fact table checked).
 */
export function moduleConstraint(release: ModuleRelease): string {
  const [major, minor] = release.release.split(".");
  return `~> ${major}.${minor}`;
}

/** The largest `required_version` of the modules above (the EKS and VPC modules' 1.11.1 floor; S3 `use_lockfile` needs ≥ 1.10). */
export const terraformVersion = ">= 1.11.1";
/** The largest aws provider floor of the modules above. */
export const awsProviderVersion = ">= 6.42";
/** The helm provider's 3.x object syntax (`kubernetes = { … }`, `set = [ … ]`). */
export const helmProviderVersion = ">= 3.0";

/** The AWS Load Balancer Controller chart, pinned (review on upgrade: its IAM policy comes from the pod identity module). */
export const loadBalancerControllerChart = {
  repository: "https://aws.github.io/eks-charts",
  chart: "aws-load-balancer-controller",
  version: "1.13.0",
};
