import { fileSystemError } from "../errors/file-system-error.js";
import { isSlipwayError, SlipwayError } from "../errors/slipway-error.js";
import { formatError } from "../output/format-error.js";
import { type CliContext, processContext } from "./context.js";
import { version } from "./version.js";

/**
 * A write to standard output or error failed (other than a closed pipe): says why on stderr while
 * stderr still works and returns the exit code (1 for a full disk, not a stack trace).
 */
export function outputFailed(error: unknown, stream: "standard output" | "standard error"): number {
  const detail = error instanceof Error ? error.message : String(error);
  const mapped = fileSystemError(error, stream) ?? new SlipwayError("INTERNAL", `writing ${stream} failed: ${detail}`);
  if (stream === "standard output") {
    const ctx = processContext();
    try {
      ctx.stderr.write(formatError(mapped, ctx.colors));
    } catch {
      // Nowhere left to say it: the exit code still tells.
    }
  }
  return mapped.exitCode;
}

/** Prints an error the way the output mode wants it and returns its exit code. */
export function report(ctx: CliContext, unredacted: unknown): number {
  // An error's text may quote what a command or server said, secrets included.
  const error = ctx.secrets ? ctx.secrets.error(unredacted) : unredacted;
  if (isSlipwayError(error)) {
    if (ctx.json) ctx.stdout.write(`${JSON.stringify({ ok: false, error: error.toJSON() })}\n`);
    else ctx.stderr.write(formatError(error, ctx.colors, ctx.sources));
    return error.exitCode;
  }
  // A full disk, a read-only mount or a permission problem is the machine's state, not a bug.
  const fileSystem = fileSystemError(error);
  if (fileSystem) return report(ctx, fileSystem);
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const internal = new SlipwayError("INTERNAL", `unexpected error: ${detail}`, {
    hint: `This is a bug in slipway ${version} (node ${process.version}, ${process.platform}-${process.arch}); please report it with the command you ran. Set SLIPWAY_DEBUG=1 for the stack.`,
  });
  if (ctx.env.SLIPWAY_DEBUG && error instanceof Error) ctx.stderr.write(`${error.stack}\n`);
  return report(ctx, internal);
}
