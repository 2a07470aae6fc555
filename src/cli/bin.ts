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
  resolveOwnChunksDirectly();
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
    // os.homedir() is $HOME when it is set; node:os is loaded only when it is not.
    const base = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || getBuiltin("node:os").homedir(), ".cache");
    mod.enableCompileCache(path.join(base, "slipway", "node-compile-cache"));
  } catch {
    // No cache: slipway runs as without one.
  }
}

/*
 * The bundle's files import each other by "./name.js". Node's resolver does the same work for each of
 * them (URL parsing, realpath, a search for the package.json that says the file is ESM), ≈ 0.4M
 * instructions per file (a render loads 12, 36 before start-up round 7). A resolve hook answers
 * for exactly these specifiers: a file of this folder imported by a file of this folder, an ES
 * module as every .js file here is (package.json says "type": "module"). Anything else goes to
 * Node's resolver. bin.js itself was reached through its real path, so the URLs are the ones
 * Node's resolver would give.
 * module.registerHooks exists from Node 22.15 and 23.5; an older Node resolves as before.
 */
function resolveOwnChunksDirectly() {
  try {
    const mod = process.getBuiltinModule("node:module");
    if (typeof mod.registerHooks !== "function") return;
    const base = new URL("./", import.meta.url).href;
    mod.registerHooks({
      resolve(specifier, context, nextResolve) {
        const parent = context.parentURL;
        if (
          parent !== undefined &&
          specifier.startsWith("./") &&
          specifier.endsWith(".js") &&
          specifier.indexOf("/", 2) === -1 &&
          parent.startsWith(base) &&
          parent.indexOf("/", base.length) === -1
        )
          return { url: base + specifier.slice(2), format: "module", shortCircuit: true };
        return nextResolve(specifier, context);
      },
    });
  } catch {
    // Node's resolver answers alone.
  }
}
