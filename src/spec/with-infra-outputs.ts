/*
 * The Terraform outputs as an input of the model: the image repository the ECR module made, the
 * app role's ARN, and the database's endpoint and port replace what the spec could only guess or
 * leave to a Secret. Pure; an output that is absent leaves the model as the spec made it.
 */
import type { AppModel } from "../model/app-model.js";
import type { InfraOutputs } from "../model/infra-outputs.js";

export function withInfraOutputs(model: AppModel, outputs: InfraOutputs): AppModel {
  const repository = outputs.ecr_repository_url;
  const image =
    repository === undefined
      ? model.image
      : {
          ...model.image,
          repository,
          ref: model.image.digest ? `${repository}@${model.image.digest}` : `${repository}:${model.image.tag}`,
        };
  const aws = model.aws && outputs.app_role_arn !== undefined ? { ...model.aws, roleArn: outputs.app_role_arn } : model.aws;
  const database =
    model.database && outputs.database_endpoint !== undefined
      ? { ...model.database, host: outputs.database_endpoint, port: outputs.database_port ?? model.database.port }
      : model.database;
  return { ...model, image, aws, database };
}
