import { join, relative, resolve } from "node:path";
import type { CliContext } from "./context.js";

/*
 * Where an environment's Terraform root is, apart from reading its outputs (infra-outputs.ts), so a
 * render can tell there are no outputs to read without loading the outputs reader.
 */

/**
 * Where `render terraform` puts an environment's root without --out: infra/<env>/, relative to the
 * current folder like every render's output folder.
 */
export function defaultInfraRoot(env: string): string {
  return join("infra", env);
}

/** The environment's Terraform root: --infra-dir, or the default; absolute, and as messages show it. */
export function infraRootOf(ctx: Pick<CliContext, "cwd">, env: string, dir: string | undefined): { path: string; shown: string } {
  const path = resolve(ctx.cwd, dir ?? defaultInfraRoot(env));
  return { path, shown: relative(ctx.cwd, path) || "." };
}
