import type { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/run-cli.js";
import { SlipwayError } from "../errors/slipway-error.js";
import type { CliContext } from "./context.js";
import { buildProgram } from "./main.js";
import { numberParser, numberRules, parseWholeNumber } from "./numeric-options.js";

describe("parseWholeNumber", () => {
  it("accepts decimal digits within the rule's range", () => {
    expect(parseWholeNumber("5", numberRules.keep)).toBe(5);
    expect(parseWholeNumber("007", numberRules.keep)).toBe(7);
    expect(parseWholeNumber(" 12 ", numberRules.keep)).toBe(12);
    expect(parseWholeNumber("0", numberRules.lines)).toBe(0);
    expect(parseWholeNumber("65535", numberRules.port)).toBe(65535);
  });
  it("refuses anything Number() would coerce, and values out of range", () => {
    for (const bad of ["", " ", "0", "-1", "abc", "1e3", "0x1F", "0b1", "2.5", "+3", "Infinity", "NaN", "5abc", "1_000", "10001"])
      expect(parseWholeNumber(bad, numberRules.keep), bad).toBeUndefined();
    expect(parseWholeNumber("65536", numberRules.port)).toBeUndefined();
    expect(parseWholeNumber("9".repeat(20), numberRules.revision)).toBeUndefined();
  });
  it("a bad value is a USAGE error (exit 2) naming the flag, the range and a good value", () => {
    const parse = numberParser(numberRules.keep, "--keep");
    expect(parse("3")).toBe(3);
    let error: unknown;
    try {
      parse("0");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: "USAGE", exitCode: 2, hint: "e.g. --keep 5" });
    expect((error as Error).message).toBe("--keep: '0' is not a whole number from 1 to 10000 (the serving release is always kept)");
  });
});

/** Every option of every command, with the command's path. */
function allOptions(): { command: string; option: Option }[] {
  const sink = { write: () => true };
  const program = buildProgram({ stdout: sink, stderr: sink } as unknown as CliContext, () => undefined);
  const found: { command: string; option: Option }[] = [];
  const visit = (cmd: Command, path: string) => {
    for (const option of cmd.options) found.push({ command: path, option });
    for (const sub of cmd.commands) visit(sub, `${path} ${sub.name()}`.trim());
  };
  visit(program, "");
  return found;
}

describe("numeric options of every command", () => {
  // Flags whose value is a number: by name, and by a placeholder that names a count or a port.
  const numeric = allOptions().filter(
    ({ option }) =>
      /^--(keep|health-timeout|to|lines|port|revision|timeout|poll)$/.test(option.long ?? "") ||
      /<(n|port|seconds|minutes|revision)>/.test(option.flags),
  );

  it("are the ones this test knows (a new numeric flag shows up here)", () => {
    expect(numeric.map(({ command, option }) => `${command} ${option.long}`).sort()).toEqual([
      "db backup --keep",
      "db drill --poll",
      "db drill --timeout",
      "db restore --keep",
      "deploy --health-timeout",
      "deploy --keep",
      "dev --port",
      "init --port",
      "logs --lines",
      "logs --revision",
      "rollback --to",
    ]);
  });

  for (const bad of ["0", "-1", "abc", "1e3", "0x1F", "2.5", ""]) {
    it(`all refuse '${bad}' (lines may be 0) through the one parser`, () => {
      for (const { command, option } of numeric) {
        if (bad === "0" && option.long === "--lines") continue;
        const parse = option.parseArg as ((value: string, previous: unknown) => unknown) | undefined;
        expect(parse, `${command} ${option.long}`).toBeTypeOf("function");
        expect(() => parse?.(bad, undefined), `${command} ${option.long} ${bad}`).toThrow(SlipwayError);
      }
    });
  }

  it("--keep has no commander default: each target decides (local 5, Kubernetes 10), and --help says so", () => {
    const keep = numeric.find(({ option }) => option.long === "--keep")?.option;
    expect(keep?.defaultValue).toBeUndefined();
    expect(keep?.description).toMatch(/local 5, Kubernetes 10/);
  });
});

describe("bad numbers on the command line", () => {
  // -f points nowhere: a usage error must come before the spec is even read.
  const cases: string[][] = [
    ["deploy", "--keep", "0"],
    ["deploy", "--keep", "-1"],
    ["deploy", "--keep", "abc"],
    ["deploy", "--health-timeout", "0"],
    ["rollback", "--to", "abc"],
    ["logs", "--lines", "abc"],
    ["logs", "--lines", "-5"],
    ["logs", "--revision", "1.5"],
    ["dev", "--port", "70000"],
    ["init", "--yes", "--port", "0"],
  ];
  for (const args of cases) {
    it(`slipway ${args.join(" ")}: exit 2, USAGE, before anything is read`, async () => {
      const r = await runCli([...args, "-f", "/nonexistent/slipway.yaml"], { cwd: "/nonexistent" });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("[USAGE]");
      expect(r.stderr).toContain(args.at(-2) as string);
      expect(r.stderr).not.toMatch(/SPEC_NOT_FOUND|\n\s+at /);
    });
  }

  it("--json: the usage error is the JSON result on stdout", async () => {
    const r = await runCli(["rollback", "--to", "abc", "--json", "-f", "/nonexistent/slipway.yaml"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: "USAGE", hint: "e.g. --to 3" } });
  });
});
