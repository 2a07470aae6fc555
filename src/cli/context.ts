import { type Colors, colorsFor } from "../output/colors.js";
import { Redactor } from "../secrets/redact.js";
import type { DriverRegistry } from "../targets/index.js";
import { fdOutput, type StdOutput } from "./std-output.js";

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

let std: { stdout: StdOutput; stderr: StdOutput } | undefined;

export function processContext(): CliContext {
  std ??= { stdout: fdOutput(1), stderr: fdOutput(2) };
  const stderr = std.stderr;
  let colors: Colors | undefined;
  return {
    stdout: std.stdout,
    stderr,
    // Also on first use: process.stdin builds a stream (node:tty, net and stream) at its first read.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    sources: new Map(),
    // Decided on first use: asking whether stderr is a terminal loads node:tty (and net and
    // stream with it), which a command that prints nothing to stderr never needs.
    get colors() {
      colors ??= colorsFor(stderr, process.env, process.argv.includes("--no-color") ? false : undefined);
      return colors;
    },
    set colors(value: Colors) {
      colors = value;
    },
    json: false,
  };
}
