import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { colorsFor } from "../output/colors.js";
import type { CliContext } from "./context.js";
import { buildProgram, commandNames, main } from "./main.js";

const sink = { write: () => true };
const ctx = { stdout: sink, stderr: sink } as unknown as CliContext;

/** Every help page under `cmd`, as `slipway <path> --help` prints it. */
function helpTree(cmd: Command, prefix = ""): Record<string, string> {
  const name = prefix === "" ? cmd.name() : `${prefix} ${cmd.name()}`;
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: () => undefined });
  cmd.configureHelp({ helpWidth: 80 });
  cmd.outputHelp();
  const pages: Record<string, string> = { [name]: text };
  for (const sub of cmd.commands) Object.assign(pages, helpTree(sub, name));
  return pages;
}

describe("building only the command argv names", () => {
  it("commandNames lists the full program's commands, in order", () => {
    const full = buildProgram(ctx, () => undefined);
    expect(full.commands.map((c) => c.name())).toEqual([...commandNames]);
  });

  it("each command built alone has the same help pages (its subcommands too) as in the full program", () => {
    const full = buildProgram(ctx, () => undefined);
    for (const name of commandNames) {
      const lean = buildProgram(ctx, () => undefined, {}, name);
      expect(lean.commands.map((c) => c.name())).toEqual([name]);
      const fromFull = full.commands.find((c) => c.name() === name) as Command;
      expect(helpTree(lean.commands[0] as Command, "slipway"), name).toEqual(helpTree(fromFull, "slipway"));
    }
  });

  it("usage errors of a command built alone read as before, and unknown commands still get suggestions", async () => {
    const run = async (argv: string[]) => {
      let out = "";
      const capture = {
        write: (s: string) => {
          out += s;
          return true;
        },
      };
      const colors = colorsFor({ isTTY: false }, {}, false);
      const code = await main(argv, {
        ...ctx,
        stdout: capture,
        stderr: capture,
        env: {},
        cwd: "/",
        sources: new Map(),
        colors,
        json: false,
      });
      return { code, out };
    };
    const badOption = await run(["validate", "--jsn"]);
    expect(badOption.code).toBe(2);
    expect(badOption.out).toContain("unknown option '--jsn'");
    expect(badOption.out).toContain("--json");
    const typo = await run(["rendr"]);
    expect(typo.code).toBe(2);
    expect(typo.out).toContain("(Did you mean render?)");
  });
});
