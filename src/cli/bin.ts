#!/usr/bin/env node
/*
 * The `slipway` command. It checks the Node.js version before anything else loads: the CLI uses
 * APIs and syntax of Node 22.12+, and an older Node would stop at the first of them with a raw
 * SyntaxError. This file is bundled on its own for Node 14 (scripts/bundle.mjs), so keep it to
 * syntax and APIs an old Node reads, and import nothing statically.
 */
const parts = process.versions.node.split(".").map(Number);
const major = parts[0] || 0;
const minor = parts[1] || 0;
if (major < 22 || (major === 22 && minor < 12)) {
  const message = `slipway needs Node.js 22.12 or newer; this is Node.js ${process.versions.node} (${process.execPath})`;
  const hint = "Install a current Node.js LTS (https://nodejs.org, or nvm install --lts) and run slipway with it.";
  if (process.argv.indexOf("--json") !== -1)
    process.stdout.write(`${JSON.stringify({ ok: false, error: { code: "NODE_UNSUPPORTED", message: message, hint: hint } })}\n`);
  else process.stderr.write(`error[NODE_UNSUPPORTED]: ${message}\n  hint: ${hint}\n`);
  process.exitCode = 2;
} else {
  import("./run.js");
}
