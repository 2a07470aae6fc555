import { resolve } from "node:path";
import { writeArtifacts } from "../../effects/files.js";
import { specJsonSchema } from "../../spec/json-schema.js";
import type { CliContext } from "../context.js";
import { report } from "../report.js";

export async function schemaCommand(ctx: CliContext, opts: { out?: string }): Promise<number> {
  try {
    const text = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
    if (opts.out) {
      const target = resolve(ctx.cwd, opts.out);
      await writeArtifacts(resolve(target, ".."), [{ path: target.split("/").pop() ?? "slipway.schema.json", content: text }]);
      ctx.stderr.write(`${ctx.colors.green("✓")} schema written to ${opts.out}\n`);
    } else ctx.stdout.write(text);
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
