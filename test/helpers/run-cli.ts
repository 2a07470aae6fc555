import { Readable } from "node:stream";
import type { CliContext } from "../../src/cli/context.js";
import { main, type ProgramOptions } from "../../src/cli/main.js";
import { colorsFor } from "../../src/output/colors.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams (fast; the spawn tests cover the real binary). */
export async function runCli(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string; tty?: boolean; program?: ProgramOptions } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), {
      isTTY: options.tty === true,
    }) as unknown as CliContext["stdin"],
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    sources: new Map(),
    colors: colorsFor({ isTTY: false }, {}),
    json: false,
  };
  const code = await main(argv, ctx, options.program);
  return { code, stdout, stderr };
}
