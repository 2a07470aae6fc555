/*
 * Which Terraform outputs `render kubernetes`, `deploy` and `infra drift` use, one rule for all:
 *   1. `--infra FILE`: that file (the JSON `terraform output -json` prints);
 *   2. else, when the environment has an `infra` block and its rendered root (infra/<env>/ in the
 *      current folder, where `render terraform` writes by default, or --infra-dir) has been
 *      initialised (a .terraform folder: `infra plan` or `infra apply` ran there),
 *      `tofu|terraform output -json` in that root;
 *   3. else none: the spec alone, as before the infra block existed.
 * An initialised root whose outputs cannot be read is an error, never a silent fallback to rule 3.
 */
import { resolve } from "node:path";
import { initialisedRoot, readInfraOutputsFile, readTerraformOutputs } from "../effects/infra-outputs-reader.js";
import { infraSettings } from "../model/infra.js";
import type { InfraOutputsSource } from "../model/infra-outputs.js";
import { parseInfraOutputs } from "../spec/infra-outputs.js";
import type { ValidatedSpec } from "../spec/validate.js";
import type { CliContext } from "./context.js";
import { infraRootOf } from "./infra-root.js";

export { defaultInfraRoot, infraRootOf } from "./infra-root.js";

export interface InfraOutputsFlags {
  infra?: string | undefined;
  infraDir?: string | undefined;
}

/** The outputs by the rule above, or undefined (rule 3). */
export async function infraOutputsFor(
  ctx: CliContext,
  validated: ValidatedSpec,
  env: string,
  flags: InfraOutputsFlags,
): Promise<InfraOutputsSource | undefined> {
  if (flags.infra !== undefined) {
    return parsed(await readInfraOutputsFile(resolve(ctx.cwd, flags.infra), flags.infra));
  }
  if (infraSettings(validated, env) === undefined) return undefined;
  const root = infraRootOf(ctx, env, flags.infraDir);
  if (!initialisedRoot(root.path)) return undefined;
  return parsed(await readTerraformOutputs(root.path, root.shown, ctx.env));
}

function parsed({ text, from }: { text: string; from: string }): InfraOutputsSource {
  return { outputs: parseInfraOutputs(text, from), from };
}
