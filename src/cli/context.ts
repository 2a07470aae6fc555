import { type Colors, colorsFor } from "../output/colors.js";

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
