#!/usr/bin/env node
import { enableCompileCache } from "node:module";

// Start-up time is a feature: cache compiled code between runs (Node ≥ 22.1), then load the CLI.
enableCompileCache?.();
const { main } = await import("./main.js");
const interrupted = 130;
process.on("SIGINT", () => process.exit(interrupted));
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`slipway: internal error: ${String(error)}\n`);
    process.exitCode = 70;
  },
);
