/*
 * Reads the Terraform outputs slipway wires into the deploy: the JSON `terraform output -json`
 * prints, `{ "<name>": { "sensitive": bool, "type": …, "value": … } }`, from the tool or from a file
 * given with --infra. Only the names in infraOutputTypes are read; other outputs a team added are
 * left alone. A value of the wrong type is an error naming the output, never a guess. Pure.
 */
import { SlipwayError } from "../errors/slipway-error.js";
import { type InfraOutputName, type InfraOutputs, infraOutputTypes } from "../model/infra-outputs.js";

const hostPattern = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const arnPattern = /^arn:aws(-cn|-us-gov)?:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/;
const repositoryPattern = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9]+(?:[._/-][a-z0-9]+)*$/;

/** Extra checks per output beyond its JSON type: what a value must look like to be used as one. */
const shapes: Partial<Record<InfraOutputName, { test: (v: string) => boolean; expected: string }>> = {
  region: { test: (v) => /^[a-z]{2}(-[a-z]+)+-\d+$/.test(v), expected: "an AWS region such as eu-west-2" },
  database_engine: { test: (v) => v === "mysql" || v === "postgres", expected: '"mysql" or "postgres"' },
  database_endpoint: { test: (v) => hostPattern.test(v), expected: "a host name without scheme or port" },
  database_cluster_id: {
    test: (v) => /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/.test(v) && !v.endsWith("-"),
    expected: "an RDS identifier: a letter, then letters, digits and single hyphens, at most 63",
  },
  cluster_endpoint: { test: (v) => /^https:\/\/\S+$/.test(v), expected: "an https:// URL" },
  database_master_secret_arn: { test: (v) => arnPattern.test(v), expected: "an ARN (arn:aws:secretsmanager:…)" },
  app_role_arn: { test: (v) => arnPattern.test(v) && /:role\//.test(v), expected: "an IAM role ARN (arn:aws:iam::<account>:role/<name>)" },
  certificate_arn: { test: (v) => arnPattern.test(v), expected: "an ARN (arn:aws:acm:…)" },
  ecr_repository_url: {
    test: (v) => repositoryPattern.test(v),
    expected: "a repository without tag, e.g. 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop",
  },
};

const hint =
  "Give the file `terraform output -json` (or `tofu output -json`) prints in the environment's Terraform root, unchanged: each output an object with sensitive, type and value.";

/**
 * The outputs in `text` (the JSON of `terraform output -json`); `from` names the file or command in
 * messages. INFRA_OUTPUTS_INVALID on anything else.
 */
export function parseInfraOutputs(text: string, from: string): InfraOutputs {
  const fail = (message: string, path: readonly string[] = []) =>
    new SlipwayError("INFRA_OUTPUTS_INVALID", `${from}: ${message}`, { location: { file: from, path }, hint });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw fail(`expected an object of outputs, found ${describe(parsed)}`);
  }
  const outputs: Record<string, string | number> = {};
  for (const name of Object.keys(infraOutputTypes) as InfraOutputName[]) {
    if (!Object.hasOwn(parsed, name)) continue;
    const entry = (parsed as Record<string, unknown>)[name];
    if (entry === null || typeof entry !== "object" || Array.isArray(entry) || !Object.hasOwn(entry, "value")) {
      throw fail(`output ${name} is not an object with a "value" (found ${describe(entry)})`, [name]);
    }
    const value = (entry as { value: unknown }).value;
    const sensitive = (entry as { sensitive?: unknown }).sensitive;
    if (sensitive !== undefined && typeof sensitive !== "boolean")
      throw fail(`output ${name}.sensitive is not true or false`, [name, "sensitive"]);
    const type = infraOutputTypes[name];
    // A null value is an output Terraform knows but has no value for (a count = 0 resource): absent.
    if (value === null) continue;
    if (type === "number") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
        throw fail(`output ${name} must be a port number from 1 to 65535, found ${describe(value, sensitive === true)}`, [name, "value"]);
      }
      outputs[name] = value;
      continue;
    }
    if (typeof value !== "string" || value === "") {
      throw fail(`output ${name} must be a non-empty string, found ${describe(value, sensitive === true)}`, [name, "value"]);
    }
    const shape = shapes[name];
    if (shape && !shape.test(value)) {
      throw fail(`output ${name} must be ${shape.expected}, found ${describe(value, sensitive === true)}`, [name, "value"]);
    }
    outputs[name] = value;
  }
  return outputs as InfraOutputs;
}

/** A value for a message: its type, and the value itself only when short and not marked sensitive. */
function describe(value: unknown, sensitive = false): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (sensitive) return `a ${typeof value} (sensitive, not shown)`;
  if (typeof value === "string")
    return value.length <= 120 && !/[\n\r]/.test(value) ? JSON.stringify(value) : `a string of ${value.length} characters`;
  return `${typeof value} ${String(value)}`;
}
