import { enableCompileCache } from "node:module";

// Start-up time is a feature: cache compiled code between runs (Node ≥ 22.1), then load the CLI.
enableCompileCache?.();
const { main, outputFailed } = await import("./main.js");
const interrupted = 130;
process.on("SIGINT", () => process.exit(interrupted));
// `slipway … | head` closes the pipe early: stop quietly, as other command-line tools do. Output to
// a full disk (or /dev/full) is a located error on stderr and exit 1, never a stack trace.
for (const [stream, name] of [
  [process.stdout, "standard output"],
  [process.stderr, "standard error"],
] as const) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    process.exit(outputFailed(error, name));
  });
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`slipway: internal error: ${String(error)}\n`);
    process.exitCode = 70;
  },
);
