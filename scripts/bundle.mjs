// Bundles the CLI into dist/bundle (one ESM entry plus lazily loaded chunks per command):
// fewer files to resolve and compile makes a cold `slipway` start several times faster.
import { rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

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
await build({
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
  banner: { js: 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);' },
});

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
