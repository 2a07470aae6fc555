import { type Command, Option } from "commander";
import type { Renderer } from "../../render/renderer.js";
import type { CliContext } from "../context.js";

export interface RenderCommandsSetup {
  ctx: CliContext;
  setExit: (code: number) => void;
  renderers: readonly Renderer[];
  specOption: () => Option;
  jsonOption: () => Option;
}

/**
 * `slipway render <name>`, one subcommand per renderer, all with the same flags: -f, -e (renderers
 * of one environment), --tag, --digest, -o, --json. The render code loads only when one runs.
 */
export function addRenderCommands(render: Command, setup: RenderCommandsSetup): void {
  const { ctx, setExit, renderers } = setup;
  const firstExamples = renderers.map((r) => examplesOf(r)[0]).filter((e) => e !== undefined);
  render.addHelpText("after", examplesHelp(firstExamples));
  for (const renderer of renderers) {
    const command = render.command(renderer.name).description(renderer.description).addOption(setup.specOption());
    for (const alias of renderer.aliases ?? []) command.alias(alias);
    if (renderer.scope === "environment") command.option("-e, --env <name>", "environment (optional when the spec has only one)");
    command
      .option("--tag <tag>", renderer.command?.tag ?? "image tag to render with (overrides the spec's)")
      .option("--digest <sha256:…>", renderer.command?.digest ?? "image digest to render with (wins over the tag)");
    // A Kubernetes render of one environment carries the Terraform outputs (src/cli/infra-outputs.ts has the rule).
    if (renderer.scope === "environment" && renderer.needs === "kubernetes") {
      command
        .option("--infra <file>", "Terraform outputs to render with (`terraform output -json`); default: read from the environment's root")
        .option("--infra-dir <dir>", "the environment's Terraform root (default: infra/<env>/, where render terraform writes)");
    }
    for (const option of renderer.options ?? []) {
      const flag = new Option(`--${option.name} <${option.name}>`, option.description).choices([...option.choices]);
      if (option.required) flag.makeOptionMandatory();
      else if (option.choices[0] !== undefined) flag.default(option.choices[0]);
      command.addOption(flag);
    }
    const out = renderer.command?.out;
    const outOption = new Option("-o, --out <dir>", out?.description ?? "folder to write the files into");
    if (out === undefined) outOption.makeOptionMandatory();
    else if ("default" in out) outOption.default(out.default);
    const json = setup.jsonOption();
    if (renderer.command?.json) json.description = renderer.command.json;
    command
      .addOption(outOption)
      .addOption(json)
      .addHelpText("after", examplesHelp(examplesOf(renderer)))
      .action(async (opts) => {
        const { renderCommand } = await import("./render-run.js");
        setExit(await renderCommand(ctx, renderer, opts));
      });
  }
}

function examplesOf(renderer: Renderer): readonly string[] {
  return (
    renderer.command?.examples ?? [
      `slipway render ${renderer.name}${renderer.scope === "environment" ? " -e production" : ""} --out ${renderer.name}/`,
    ]
  );
}

function examplesHelp(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}`;
}
