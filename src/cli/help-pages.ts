import type { Command } from "commander";
import type { CliContext } from "./context.js";
import { buildProgram } from "./main.js";

/** Help text of every command, in tree order, for the generated CLI reference. */
export function helpPages(): { command: string; help: string }[] {
  const sink = { write: () => true };
  const ctx = { stdout: sink, stderr: sink } as unknown as CliContext;
  const pages: { command: string; help: string }[] = [];
  const visit = (cmd: Command, prefix: string) => {
    const name = prefix === "" ? cmd.name() : `${prefix} ${cmd.name()}`;
    // outputHelp includes text added with addHelpText; collect it instead of printing it.
    let text = "";
    cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: () => undefined });
    cmd.configureHelp({ helpWidth: 80 });
    cmd.outputHelp();
    pages.push({ command: name, help: text });
    for (const sub of cmd.commands) if (sub.name() !== "help") visit(sub, name);
  };
  visit(
    buildProgram(ctx, () => undefined),
    "",
  );
  return pages;
}
