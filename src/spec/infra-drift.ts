/*
 * `slipway infra drift`: where the spec and the applied infrastructure's outputs disagree. The model
 * here is the one built from the spec alone (before withInfraOutputs), so each difference shows
 * what the spec says next to what Terraform reports. Pure.
 */
import type { AppModel } from "../model/app-model.js";
import type { InfraOutputs } from "../model/infra-outputs.js";

export interface InfraDrift {
  /** What differs: region, engine, port, database-name, database, role, repository. */
  field: "region" | "engine" | "port" | "database-name" | "database" | "role" | "repository";
  /** The spec path that says it. */
  path: string;
  /** The spec's value and the output's, as text; "(none)" when one side has nothing. */
  spec: string;
  outputs: string;
  /** The Terraform output compared. */
  output: string;
}

const none = "(none)";

/** Every disagreement between the spec (its model and infra.region) and the outputs, in a fixed order. */
export function infraDrift(model: AppModel, region: string | undefined, outputs: InfraOutputs): InfraDrift[] {
  const drift: InfraDrift[] = [];
  const add = (
    field: InfraDrift["field"],
    path: string,
    output: string,
    spec: string | number | undefined,
    out: string | number | undefined,
  ) => {
    if (spec !== out)
      drift.push({ field, path, output, spec: spec === undefined ? none : String(spec), outputs: out === undefined ? none : String(out) });
  };
  if (region !== undefined && outputs.region !== undefined) add("region", "infra.region", "region", region, outputs.region);
  const db = model.database;
  const dbOutputs = outputs.database_engine !== undefined || outputs.database_endpoint !== undefined;
  if (db === undefined) {
    if (dbOutputs) add("database", "database", "database_endpoint", undefined, outputs.database_endpoint ?? outputs.database_engine);
  } else if (!dbOutputs) {
    add("database", "database", "database_endpoint", db.engine, undefined);
  } else {
    if (outputs.database_engine !== undefined) add("engine", "database.engine", "database_engine", db.engine, outputs.database_engine);
    if (outputs.database_port !== undefined) add("port", "database.engine", "database_port", db.port, outputs.database_port);
    if (outputs.database_name !== undefined) add("database-name", "database.name", "database_name", db.name, outputs.database_name);
  }
  const role = outputs.app_role_arn;
  if (model.aws === undefined) {
    if (role !== undefined) add("role", "app.aws", "app_role_arn", undefined, role);
  } else if (role === undefined) {
    add("role", "app.aws", "app_role_arn", model.aws.roleArn ?? model.aws.roleName, undefined);
  } else if (model.aws.roleArn !== undefined ? model.aws.roleArn !== role : roleNameOf(role) !== model.aws.roleName) {
    add("role", "app.aws.roleName", "app_role_arn", model.aws.roleArn ?? model.aws.roleName, role);
  }
  if (outputs.ecr_repository_url !== undefined)
    add("repository", "app.image", "ecr_repository_url", model.image.repository, outputs.ecr_repository_url);
  return drift;
}

/** The name in a role ARN: the last segment after `role/` and any path. */
function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}
