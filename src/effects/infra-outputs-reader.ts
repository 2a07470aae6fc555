/*
 * Where the Terraform outputs come from: a file given with --infra (read through the guarded
 * reader), or `tofu|terraform output -json` run in the environment's initialised root. The parse
 * and every check of the values is spec/infra-outputs.ts's.
 */
import { SlipwayError } from "../errors/slipway-error.js";
import { readUserFile } from "./read-user-file.js";
import { requireTerraform, runTerraform } from "./terraform.js";
import { outputArgv } from "./terraform-commands.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The outputs' JSON text and where it came from, for messages. */
export interface InfraOutputsText {
  text: string;
  from: string;
}

/** A recorded `terraform output -json` is a few kilobytes; 4 MiB leaves room for any real root. */
const maxOutputsBytes = 4 * 1024 * 1024;

export async function readInfraOutputsFile(path: string, shown: string): Promise<InfraOutputsText> {
  const invalid = (message: string) =>
    new SlipwayError("INFRA_OUTPUTS_INVALID", `--infra ${shown}: ${message}`, {
      location: { file: shown, path: [] },
      hint: "Give the file `terraform output -json` (or `tofu output -json`) wrote, e.g. `tofu -chdir=infra/production output -json > outputs.json`.",
    });
  const file = await readUserFile(path, {
    maxBytes: maxOutputsBytes,
    shown,
    cannotOpen: (error) => invalid(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`),
  });
  if (file.kind === "folder") throw invalid("is a folder, not a file");
  if (file.kind === "too-large") throw invalid(`is ${file.size} bytes, more than the ${maxOutputsBytes} slipway reads`);
  return { text: file.bytes.toString("utf8"), from: shown };
}

export { initialisedRoot } from "./infra-root.js";

/** `output -json` in `root`, parsed; `shown` is the root as messages name it. */
export async function readTerraformOutputs(root: string, shown: string, env: Env): Promise<InfraOutputsText> {
  const bin = requireTerraform(env);
  const argv = outputArgv(bin.path);
  const run = await runTerraform(argv, { cwd: root, env, capture: true });
  const from = `${bin.name} output -json in ${shown}`;
  if (run.code !== 0) {
    throw new SlipwayError("INFRA_COMMAND_FAILED", `${from} exited with ${run.code}${run.stderrTail ? `:\n${run.stderrTail}` : ""}`, {
      hint: `Run \`slipway infra plan\` and \`slipway infra apply\` for this environment first, or pass the outputs with --infra FILE.`,
    });
  }
  return { text: run.stdout, from };
}
