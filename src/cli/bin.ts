#!/usr/bin/env node
import { enableCompileCache } from "node:module";

// Start-up time is a feature: cache compiled code between runs (Node ≥ 22.1), then load the CLI.
enableCompileCache?.();
const { main } = await import("./main.js");
const interrupted = 130;
process.on("SIGINT", () => process.exit(interrupted));
// `slipway … | head` closes the pipe early: stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
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
