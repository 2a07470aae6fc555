#!/usr/bin/env node
import { exitCodes } from "../errors/codes.js";
import { main } from "./main.js";

process.on("SIGINT", () => process.exit(exitCodes.interrupted));
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`slipway: internal error: ${String(error)}\n`);
    process.exitCode = exitCodes.internal;
  },
);
