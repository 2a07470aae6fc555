/*
 * What the rendered Terraform root tells the deploy: the values of its outputs (the names are fixed
 * by the renderer, see docs/infra-commands.md), read from `terraform output -json` or a file given
 * with `--infra`. Every field is optional: an output the root does not have (no app role without
 * app.aws, no certificate without TLS) is simply absent.
 */

/** The outputs slipway reads, by their Terraform names, with the type each must have. */
export const infraOutputTypes = {
  region: "string",
  cluster_name: "string",
  cluster_endpoint: "string",
  database_engine: "string",
  database_endpoint: "string",
  database_port: "number",
  database_name: "string",
  database_cluster_id: "string",
  database_master_secret_arn: "string",
  app_role_arn: "string",
  ecr_repository_url: "string",
  certificate_arn: "string",
} as const;

export type InfraOutputName = keyof typeof infraOutputTypes;

/** The outputs' values, by their Terraform names; absent outputs are missing keys. */
export type InfraOutputs = {
  readonly [K in InfraOutputName]?: (typeof infraOutputTypes)[K] extends "number" ? number : string;
};

/** Where the outputs came from, for messages ("infra/production (terraform output)", "outputs.json"). */
export interface InfraOutputsSource {
  outputs: InfraOutputs;
  from: string;
}
