import { resolve } from "node:path";
import type { CliContext } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";

export async function validateCommand(ctx: CliContext, opts: { file: string; json?: boolean }): Promise<number> {
  try {
    const validated = await loadSpecForCli(ctx, resolve(ctx.cwd, opts.file));
    const environments = Object.values(validated.environments).map(({ name, targetName, target: { type } }) => ({
      name,
      target: targetName,
      type,
    }));
    if (opts.json) ctx.stdout.write(`${JSON.stringify({ ok: true, result: { file: validated.file, environments } })}\n`);
    else {
      const list = environments.map((e) => `${e.name} → ${e.target}`).join(", ");
      ctx.stderr.write(`${ctx.colors.green("✓")} ${validated.file} is valid (${list})\n`);
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
