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
  enableCompileCache();
  import("./run.js");
}

/*
 * V8's compiled code for slipway's own files, kept between runs (Node's module compile cache): a
 * cold `render kubernetes` then skips most parsing and compiling, ≈ 15 % of its instructions
 * (bench/RESULTS.md, start-up round 5). Kept per user under $XDG_CACHE_HOME (or ~/.cache), never in
 * a shared /tmp where another user could plant a cache. Node checks each entry against the file's
 * content and its own version, and NODE_DISABLE_COMPILE_CACHE=1 turns it off. A cache that
 * cannot be written (read-only home) costs nothing: Node reports it and slipway runs uncached.
 */
function enableCompileCache() {
  try {
    const getBuiltin = process.getBuiltinModule;
    const mod = getBuiltin?.("node:module");
    if (!mod?.enableCompileCache || process.env.NODE_DISABLE_COMPILE_CACHE) return;
    const path = getBuiltin("node:path");
    const base = process.env.XDG_CACHE_HOME || path.join(getBuiltin("node:os").homedir(), ".cache");
    mod.enableCompileCache(path.join(base, "slipway", "node-compile-cache"));
  } catch {
    // No cache: slipway runs as without one.
  }
}
