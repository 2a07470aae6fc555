// Bundles the CLI into dist/bundle (one ESM entry plus lazily loaded chunks per command):
// fewer files to resolve and compile makes a cold `slipway` start several times faster.
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";
import { rolldown } from "rolldown";

/*
 * Node's built-in modules through process.getBuiltinModule instead of `import … from "node:fs"`.
 * An ESM import of a built-in builds a facade that reads every export, which runs the lazy
 * getters behind them (fs.promises, crypto.webcrypto, process.report, util.parseArgs, …) and loads
 * a few dozen internal modules a command never uses: ≈ 10 ms of a cold `render kubernetes`.
 * Each named import becomes a pure property read, so the ones a chunk does not use drop out.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.kind !== "import-statement" || !builtinModules.includes(args.path.slice(5))) return undefined;
      // One shim per importing file, so it lands in that file's chunk rather than a chunk of its own.
      return { path: `${args.path}?${relative(root, args.importer)}`, namespace: "lazy-builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, async (args) => {
      const name = args.path.slice(0, args.path.indexOf("?"));
      const names = Object.keys(process.getBuiltinModule(name)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== "default");
      // child_process (only commander's stand-alone executable subcommands, which slipway has none
      // of, spawn through its default export) loads net, dgram and the stream internals: ≈ 13M
      // instructions of every start. Its default export loads it on the first property read.
      if (name === "node:child_process") {
        const props = names.map((n) => `${JSON.stringify(n)}: { get: () => __load()[${JSON.stringify(n)}], enumerable: true }`);
        return {
          contents: [
            `const __load = () => process.getBuiltinModule(${JSON.stringify(name)});`,
            "const __get = (k) => __load()[k];",
            `export default /* @__PURE__ */ Object.defineProperties({}, { ${props.join(", ")} });`,
            // Named imports read their value at load, as for the other built-ins.
            ...names.map((n) => `export const ${n} = /* @__PURE__ */ __get(${JSON.stringify(n)});`),
          ].join("\n"),
          loader: "js",
        };
      }
      // fs/promises loads readline, the REPL history and the file watchers (≈ 26M instructions,
      // bench/RESULTS.md start-up round 6) for the chunks on every command's path that import it
      // for one write: each function it exports loads it on the first call.
      if (name === "node:fs/promises") {
        const mod = process.getBuiltinModule(name);
        return {
          contents: [
            `const __load = () => process.getBuiltinModule(${JSON.stringify(name)});`,
            "const __get = (k) => __load()[k];",
            ...names.map((n) =>
              typeof mod[n] === "function"
                ? `export const ${n} = (...args) => __load().${n}(...args);`
                : `export const ${n} = /* @__PURE__ */ __get(${JSON.stringify(n)});`,
            ),
          ].join("\n"),
          loader: "js",
        };
      }
      const lines = [
        `const __m = process.getBuiltinModule(${JSON.stringify(name)});`,
        "const __get = (k) => __m[k];",
        "export default __m;",
        ...names.map((n) => `export const ${n} = /* @__PURE__ */ __get(${JSON.stringify(n)});`),
      ];
      return { contents: lines.join("\n"), loader: "js" };
    });
  },
};

/*
 * The `yaml` library as a file of its own (dist/bundle/yaml.cjs), loaded by the first `require` or
 * `import` of "yaml". Bundled into the chunks, it shared one with the small modules every command
 * loads (spec/yaml-limits.ts, spec/yaml-quoted.ts), so a `render kubernetes` that never calls it
 * still read and pre-parsed its 240 KB on every start (bench/RESULTS.md, start-up round 5).
 */
const yamlOnItsOwn = {
  name: "yaml-on-its-own",
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({ path: "./yaml.cjs", external: true }));
  },
};

rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { yaml: fileURLToPath(import.meta.resolve("yaml")) },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node22",
  outExtension: { ".js": ".cjs" },
  outdir: new URL("../dist/bundle", import.meta.url).pathname,
  minifySyntax: true,
  legalComments: "eof",
  logLevel: "warning",
});
const cli = await build({
  // The CLI, and the local proxy daemon as its own small entry (it starts faster without the CLI).
  entryPoints: {
    run: new URL("../src/cli/run.ts", import.meta.url).pathname,
    "proxy-main": new URL("../src/targets/local/proxy-main.ts", import.meta.url).pathname,
  },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  outdir: new URL("../dist/bundle", import.meta.url).pathname,
  minifySyntax: true,
  legalComments: "eof",
  logLevel: "warning",
  plugins: [lazyBuiltins, yamlOnItsOwn],
  metafile: true,
  banner: { js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);' },
});

/*
 * Eager compilation of top-level functions, so Node's compile cache holds them. The cache keeps
 * what V8 compiled when the file was loaded; a function declaration is compiled lazily, at its
 * first call, so every run parsed and compiled the same functions again (≈ 44M instructions of a
 * cached `render kubernetes`, 19 %). V8 compiles a parenthesized function expression eagerly, so
 * each top-level `function f(…) {…}` of a chunk becomes `var f = (function f(…) {…});`, moved to
 * the top of its file: every one is assigned before any other statement of the chunk runs, as
 * hoisting did for the declarations, so no call can see it undefined. esbuild prints top-level
 * code at column 0 and closes a top-level function with a line holding only `}`; each rewritten
 * file is parsed again (esbuild's transform), so a split in the wrong place fails the build
 * instead of shipping. Measured in bench/RESULTS.md, start-up round 5.
 */
function eagerFunctions(text) {
  const lines = text.split("\n");
  const moved = [];
  const kept = [];
  for (let i = 0; i < lines.length; i++) {
    const start = /^(async )?function(\*?) ([\w$]+)\(/.exec(lines[i]);
    if (!start) {
      kept.push(lines[i]);
      continue;
    }
    let end = i;
    while (end < lines.length && lines[end] !== "}") end++;
    if (end === lines.length) throw new Error(`eagerFunctions: no end for ${start[3]}`);
    const body = lines.slice(i, end + 1).join("\n");
    moved.push(`var ${start[3]} = (${body});`);
    i = end;
  }
  return moved.length === 0 ? text : [...moved, ...kept].join("\n");
}

const bundleDir = new URL("../dist/bundle/", import.meta.url).pathname;

/*
 * The rewrite above is only hoisting-equivalent when no chunk runs before the chunks it imports have
 * run, i.e. when the static imports between chunks form no cycle (in a cycle, a declaration is
 * callable before its file runs; the expression is not). esbuild's chunks have none today; this
 * fails the build if that changes.
 */
function assertNoChunkCycle(files) {
  const imports = new Map(
    files.map((file) => [
      file,
      [...readFileSync(bundleDir + file, "utf8").matchAll(/^import\s(?:[^;]*?from\s+)?"\.\/([^"]+)";/gms)].map((m) => m[1]),
    ]),
  );
  const state = new Map();
  const visit = (file, path) => {
    state.set(file, "open");
    for (const next of imports.get(file) ?? []) {
      if (state.get(next) === "open") throw new Error(`bundle: import cycle between chunks: ${[...path, file, next].join(" → ")}`);
      if (!state.has(next)) visit(next, [...path, file]);
    }
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file, []);
}
assertNoChunkCycle(readdirSync(bundleDir).filter((f) => f.endsWith(".js")));
for (const file of readdirSync(bundleDir).filter((f) => f.endsWith(".js"))) {
  const text = readFileSync(bundleDir + file, "utf8");
  const eager = eagerFunctions(text);
  if (eager === text) continue;
  await transform(eager, { loader: "js", format: "esm", logLevel: "silent" });
  writeFileSync(bundleDir + file, eager);
}

/*
 * The render path in two files. esbuild splits by which lazily imported modules share code, so a
 * cold `render kubernetes` loaded 36 files, most of them small: each costs a read, a code cache
 * lookup and a link, and a read of its compile cache entry (bench/RESULTS.md, start-up round 7).
 * esbuild has no manual chunks, so a second pass with rolldown takes esbuild's output as its input
 * and regroups whole files of it: what every command loads (main.ts and its static imports) into
 * one chunk, with the files a render shares with `slipway check`; the rest of what a render loads
 * into another, which check does not load (+8 ms of CPU for check when it did). Every other file
 * stays a chunk of its own. The lazily imported modules keep their `import()`; rolldown gives each
 * a small file that re-exports from the merged chunk.
 */
const entryFile = (source) => {
  const found = Object.entries(cli.metafile.outputs).find(([, o]) => o.entryPoint === source);
  if (!found) throw new Error(`bundle: ${source} has no file of its own`);
  return found[0].slice(found[0].lastIndexOf("/") + 1);
};
const staticClosure = (sources) => {
  const seen = new Set();
  const pending = sources.map(entryFile);
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(
      ...[...readFileSync(bundleDir + file, "utf8").matchAll(/^import\s(?:[^;]*?from\s+)?"\.\/([^"]+\.js)";/gms)].map((m) => m[1]),
    );
  }
  return seen;
};
const everyCommand = staticClosure(["src/cli/main.ts"]);
const checkPath = staticClosure(["src/cli/commands/check.ts"]);
const renderPath = staticClosure([
  "src/cli/commands/render-run.ts",
  "src/render/kubernetes/render-kubernetes.ts",
  "src/targets/kubernetes/driver.ts",
  "src/targets/host/driver.ts",
  "src/targets/local/driver.ts",
  "src/render/yaml-stream.ts",
]);
// Closed under static imports, as a group must be: an import of a file in both paths is in both.
const inMain = (file) => everyCommand.has(file) || (renderPath.has(file) && checkPath.has(file));
const fileOf = (id) => id.slice(id.lastIndexOf("/") + 1);
const merged = mkdtempSync(join(bundleDir, ".merge-"));
const second = await rolldown({
  input: { run: `${bundleDir}run.js`, "proxy-main": `${bundleDir}proxy-main.js` },
  platform: "node",
  external: [/^node:/, /^\.\/yaml\.cjs$/],
  // esbuild already dropped what is unused; this pass only moves modules between files.
  treeshake: false,
  checks: { invalidAnnotation: false },
  logLevel: "warn",
});
await second.write({
  dir: merged,
  format: "esm",
  entryFileNames: "[name].js",
  chunkFileNames: "[name]-[hash].js",
  codeSplitting: {
    groups: [
      { name: "main", test: (id) => inMain(fileOf(id)), priority: 2 },
      { name: "render-path", test: (id) => renderPath.has(fileOf(id)) && !inMain(fileOf(id)), priority: 1 },
    ],
  },
});
for (const file of readdirSync(bundleDir).filter((f) => f.endsWith(".js"))) rmSync(bundleDir + file);
for (const file of readdirSync(merged)) renameSync(join(merged, file), bundleDir + file);
rmSync(merged, { recursive: true });
// The eager rewrite needs a chunk graph without cycles; rolldown's must have none either.
assertNoChunkCycle(readdirSync(bundleDir).filter((f) => f.endsWith(".js")));

// The `slipway` command itself: a Node version check that loads run.js only on a Node it runs on.
// Built for Node 14 on its own (no shared chunks, no banner), so an old Node reads it and says why.
await build({
  entryPoints: { bin: new URL("../src/cli/bin.ts", import.meta.url).pathname },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node14",
  external: ["./run.js"],
  outdir: new URL("../dist/bundle", import.meta.url).pathname,
  logLevel: "warning",
});
