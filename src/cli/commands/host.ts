import { resolve } from "node:path";
import { parseSetting } from "../../effects/host-setup-commands.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { chooseEnvironment } from "../../spec/normalize.js";
import { type CliContext, secretsOf } from "../context.js";
import { loadSpecForCli } from "../load-spec.js";
import { report } from "../report.js";

/* `slipway host setup -e ENV`: prepares the server of a host target (src/targets/host/setup.ts). */

export interface HostSetupOptions {
  file: string;
  env?: string;
  json?: boolean;
  acceptHostKey?: string;
  install?: boolean;
  createUser?: string;
  runtimeEnv?: string[];
}

export async function hostSetupCommand(ctx: CliContext, opts: HostSetupOptions): Promise<number> {
  try {
    const runtimeEnv: Record<string, string> = {};
    for (const word of opts.runtimeEnv ?? []) {
      const setting = parseSetting(word);
      if (!setting)
        throw new SlipwayError("USAGE", `--runtime-env ${JSON.stringify(word)} is not KEY=VALUE`, {
          hint: "Give an upper-case name and a one-line value, e.g. --runtime-env CONTAINERS_CONF=/etc/containers/slipway.conf (KEY= removes it).",
        });
      runtimeEnv[setting[0]] = setting[1];
    }
    const file = resolve(ctx.cwd, opts.file);
    const validated = await loadSpecForCli(ctx, file);
    const env = chooseEnvironment(validated, opts.env);
    const { setupHost } = await import("../../targets/host/setup.js");
    const result = await setupHost({
      validated,
      env,
      file,
      acceptHostKey: opts.acceptHostKey,
      install: opts.install === true,
      createUser: opts.createUser,
      runtimeEnv,
      localEnv: ctx.env,
    });
    const redact = secretsOf(ctx);
    if (ctx.json) {
      ctx.stdout.write(`${redact.text(JSON.stringify({ ok: true, result: { ...result, changed: result.changes.length > 0 } }))}\n`);
      return 0;
    }
    const c = ctx.colors;
    const lines = [c.bold(`${result.host} (${env.name}): host setup`)];
    if (result.changes.length === 0) lines.push(c.green("nothing to change"));
    else for (const change of result.changes) lines.push(`${c.green("changed:")} ${change}`);
    for (const note of result.notes)
      lines.push(note.startsWith("warning:") ? `${c.yellow("warning:")}${note.slice("warning:".length)}` : `${c.dim("ok:")} ${note}`);
    ctx.stdout.write(`${redact.text(lines.join("\n"))}\n`);
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}
