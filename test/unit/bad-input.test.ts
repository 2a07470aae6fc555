import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlipwayError } from "../../src/errors/slipway-error.js";
import { toYaml } from "../../src/render/yaml-stream.js";
import { parseSpecText } from "../../src/spec/load.js";
import { validateSpec } from "../../src/spec/validate.js";
import { runCli } from "../helpers/run-cli.js";
import { specArbitrary } from "../helpers/spec-arbitrary.js";

const runs = Number(process.env.SLIPWAY_PROPERTY_RUNS ?? 150);

function outcome(input: string | Uint8Array): SlipwayError | "valid" {
  try {
    validateSpec(parseSpecText(input, "slipway.yaml"));
    return "valid";
  } catch (error) {
    if (error instanceof SlipwayError) return error;
    throw error;
  }
}

function expectLocated(input: string | Uint8Array, code: string, line?: number, col?: number): SlipwayError {
  const result = outcome(input);
  expect(result).toBeInstanceOf(SlipwayError);
  const e = result as SlipwayError;
  expect(e.code).toBe(code);
  expect(e.hint).toBeTruthy();
  expect(e.location?.file).toBe("slipway.yaml");
  if (line !== undefined) expect(e.location?.line).toBe(line);
  if (col !== undefined) expect(e.location?.col).toBe(col);
  return e;
}

describe("bad input", () => {
  it("YAML syntax errors carry file:line:col", () => {
    expectLocated('name: shop\napp:\n  image: "unclosed\n', "SPEC_YAML_SYNTAX");
    const e = expectLocated("name: shop\napp:\n\timage: x\n", "SPEC_YAML_SYNTAX", 3);
    expect(e.hint).toMatch(/spaces|indent|Fix/);
  });
  it("duplicate keys are syntax errors with a hint", () => {
    const e = expectLocated("name: a\nname: b\n", "SPEC_YAML_SYNTAX", 2, 1);
    expect(e.hint).toContain("once");
  });
  it("an empty file or one with only comments", () => {
    expectLocated("", "SPEC_EMPTY", 1, 1);
    expectLocated("# nothing yet\n\n", "SPEC_EMPTY", 1, 1);
  });
  it("a list or scalar at the top level", () => {
    expectLocated("- a\n- b\n", "SPEC_NOT_A_MAPPING", 1, 1);
    expectLocated("just words\n", "SPEC_NOT_A_MAPPING", 1, 1);
  });
  it("binary data and invalid UTF-8", () => {
    expectLocated(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]), "SPEC_NOT_TEXT");
    expectLocated(new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe]), "SPEC_NOT_TEXT");
  });
  it("an alias bomb is refused, not expanded", () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
    expect(outcome(bomb)).toBeInstanceOf(SlipwayError);
  });
  it("oversized input is refused before parsing", () => {
    expectLocated("a".repeat(2 * 1024 * 1024), "SPEC_TOO_LARGE");
  });

  it("random bytes never escape as anything but a SlipwayError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expect(outcome(bytes)).toBeInstanceOf(SlipwayError);
      }),
      { numRuns: runs },
    );
  });

  it("random YAML documents give located errors", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = outcome(toYaml(value));
        expect(result).toBeInstanceOf(SlipwayError);
        expect((result as SlipwayError).location?.line).toBeGreaterThan(0);
      }),
      { numRuns: runs },
    );
  });

  it("mutated valid specs are either valid or give located errors with hints", () => {
    const mutation = fc.record({
      pick: fc.nat(),
      kind: fc.constantFrom("delete", "rename", "retype"),
      junk: fc.jsonValue({ maxDepth: 2 }),
      key: fc.string({ minLength: 1, maxLength: 8 }),
    });
    fc.assert(
      fc.property(specArbitrary, mutation, (spec, m) => {
        const paths: (string | number)[][] = [];
        const walk = (v: unknown, p: (string | number)[]) => {
          if (p.length > 0) paths.push(p);
          if (v && typeof v === "object") for (const [k, c] of Object.entries(v)) walk(c, [...p, Array.isArray(v) ? Number(k) : k]);
        };
        walk(spec, []);
        const path = paths[m.pick % paths.length] as (string | number)[];
        const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], spec);
        const last = path[path.length - 1] as string | number;
        if (m.kind === "delete") {
          if (Array.isArray(parent)) parent.splice(Number(last), 1);
          else delete parent[last];
        } else if (m.kind === "rename" && !Array.isArray(parent)) {
          parent[`${String(last)}${m.key}`] = parent[last];
          delete parent[last];
        } else parent[last] = m.junk;
        const result = outcome(toYaml(spec));
        if (result !== "valid") {
          expect(result.location?.line, result.message).toBeGreaterThan(0);
          expect(result.hint).toBeTruthy();
          for (const r of result.related) expect(r.location?.line, r.message).toBeGreaterThan(0);
        }
      }),
      { numRuns: runs },
    );
  });
});

describe("bad input through the CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-bad-"));
  const cases: [string, string | Uint8Array, string][] = [
    ["syntax", 'name: "x\n', "SPEC_YAML_SYNTAX"],
    ["empty", "", "SPEC_EMPTY"],
    ["garbage", new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)), "SPEC_NOT_TEXT"],
    [
      "wrong type",
      "name: shop\napp: { image: a/b:1, health: /up, port: [1] }\nenvironments: { p: { target: local } }\n",
      "SPEC_INVALID_TYPE",
    ],
  ];
  for (const [name, content, code] of cases) {
    it(`${name}: exit 2, a code, a location, a hint, no stack trace`, async () => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, content);
      const human = await runCli(["validate", "-f", file]);
      expect(human.code).toBe(2);
      expect(human.stderr).toContain(`[${code}]`);
      expect(human.stderr).toMatch(/--> .*\.yaml/);
      expect(human.stderr).toContain("hint:");
      expect(human.stderr).not.toMatch(/\n\s+at /);
      const json = await runCli(["validate", "-f", file, "--json"]);
      expect(json.code).toBe(2);
      const line = JSON.parse(json.stdout.trim().split("\n").pop() as string);
      expect(line).toMatchObject({ ok: false, error: { code } });
      expect(line.error.hint).toBeTruthy();
    });
  }

  it("a 50 MB file: SPEC_TOO_LARGE without reading it whole", async () => {
    const file = join(dir, "huge.yaml");
    writeFileSync(file, Buffer.alloc(50 * 1024 * 1024, "a"));
    const result = await runCli(["render", "kubernetes", "-f", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[SPEC_TOO_LARGE]");
  });

  it("a missing file", async () => {
    const result = await runCli(["validate", "-f", join(dir, "nope.yaml")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[SPEC_NOT_FOUND]");
    expect(result.stderr).toContain("slipway init");
  });

  it("an unknown flag or command is a usage error with exit 2", async () => {
    for (const argv of [["render", "kubernetes", "--bogus"], ["deploi"]]) {
      const result = await runCli(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("[USAGE]");
    }
  });

  it("a spec error shows the offending line", async () => {
    const file = join(dir, "typo.yaml");
    writeFileSync(
      file,
      "name: shop\napp:\n  image: ghcr.io/a/b:1\n  prot: 3000\n  health: /up\nenvironments:\n  p: { target: kubernetes }\n",
    );
    const result = await runCli(["validate", "-f", file]);
    expect(result.stderr).toContain("4 |   prot: 3000");
    expect(result.stderr).toContain("Did you mean 'port'?");
  });
});
