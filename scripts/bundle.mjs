// Bundles the CLI into dist/bundle (one ESM entry plus lazily loaded chunks per command):
// fewer files to resolve and compile makes a cold `slipway` start several times faster.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });
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
  banner: { js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);" },
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
