import { type Colors, colorsFor } from "../output/colors.js";
import { Redactor } from "../secrets/redact.js";
import type { DriverRegistry } from "../targets/index.js";

/** What a command needs from the process: streams, environment, cwd. Tests pass their own. */
export interface CliContext {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Source texts read during the command, so errors can show a code frame. */
  sources: Map<string, string>;
  colors: Colors;
  json: boolean;
  /** Secret values the command has learned: its error output redacts them (see secretsOf). */
  secrets?: Redactor;
  /** The target drivers environment commands use (default: the ones slipway ships; tests pass their own). */
  drivers?: DriverRegistry;
}

/** The command's redactor: commands add the secrets they load, every output passes through it. */
export function secretsOf(ctx: CliContext): Redactor {
  ctx.secrets ??= new Redactor();
  return ctx.secrets;
}

export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    sources: new Map(),
    colors: colorsFor(process.stderr, process.env, process.argv.includes("--no-color") ? false : undefined),
    json: false,
  };
}
