import { relative } from "node:path";
import { readSpecBytes } from "../effects/files.js";
import { parseSpecText } from "../spec/load.js";
import type { ValidatedSpec } from "../spec/validate.js";
import { validateSpecFast } from "../spec/validate-fast.js";
import type { CliContext } from "./context.js";

/** Reads, parses and validates the spec at `file` (relative to cwd), remembering its text for code frames. */
export async function loadSpecForCli(ctx: CliContext, file: string): Promise<ValidatedSpec> {
  const shown = relative(ctx.cwd, file) || file;
  const bytes = await readSpecBytes(file);
  try {
    ctx.sources.set(shown, new TextDecoder().decode(bytes));
  } catch {
    // Binary input: the parse below reports it; no frame to show.
  }
  const source = parseSpecText(bytes, shown);
  // A valid spec never loads zod (≈ 40 ms of a cold start); any other gets zod's errors, as before.
  return validateSpecFast(source) ?? (await import("../spec/validate.js")).validateSpec(source);
}
