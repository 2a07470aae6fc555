import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { SlipwayError } from "../../src/errors/slipway-error.js";
import { renderKubernetes } from "../../src/render/kubernetes/render-kubernetes.js";
import { maxSpecNodes, parseSpecText } from "../../src/spec/load.js";
import { mergeOverlay } from "../../src/spec/merge.js";
import { buildModel, chooseEnvironment } from "../../src/spec/normalize.js";
import { validateSpec } from "../../src/spec/validate.js";
import { lineColAt, maxNestingDepth, nodeTooDeep, scanYaml } from "../../src/spec/yaml-limits.js";

const base = `name: shop
app:
  image: ghcr.io/acme/shop:1.0.0
  port: 3000
  health: /up
environments:
  production:
    target: kubernetes
`;

function errors(text: string): SlipwayError[] {
  try {
    validateSpec(parseSpecText(text, "slipway.yaml"));
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    return [error, ...error.related];
  }
  return [];
}

function first(text: string): SlipwayError {
  const all = errors(text);
  expect(all.length, "expected an error").toBeGreaterThan(0);
  const e = all[0] as SlipwayError;
  expect(e.location?.file).toBe("slipway.yaml");
  expect(e.location?.line).toBeGreaterThan(0);
  expect(e.hint).toBeTruthy();
  expect(e.exitCode).toBe(2);
  return e;
}

describe("env values YAML would not read back as written (issue 13, item 10)", () => {
  const withEnv = (value: string) => base.replace("  health: /up\n", `  health: /up\n  env:\n    X: ${value}\n`);
  for (const [written, readAs] of [
    ["1.10", "1.1"],
    ["02139", "2139"],
    ["12345678901234567890", "12345678901234567000"],
    ["0x1F", "31"],
  ] as const) {
    it(`${written} is refused (it would render as "${readAs}"), with a hint to quote it`, () => {
      const e = first(withEnv(written));
      expect(e.code).toBe("SPEC_INVALID_VALUE");
      expect(e.location).toMatchObject({ path: ["app", "env", "X"], line: 7, col: 8 });
      expect(e.message).toContain(readAs);
      expect(e.hint).toContain(`X: "${written}"`);
      expect(errors(withEnv(`"${written}"`))).toEqual([]);
    });
  }
  it("numbers and booleans that read back as written still pass", () => {
    for (const ok of ["8080", "true", "false", "-3", "0.5"]) expect(errors(withEnv(ok)), ok).toEqual([]);
  });
  it("environment overlays are checked too", () => {
    const text = `${base}    app:\n      env:\n        V: 1.20\n`;
    const e = first(text);
    expect(e.location).toMatchObject({ path: ["environments", "production", "app", "env", "V"], line: 11 });
  });
});

describe("prototype keys (issue 13, item 16)", () => {
  it("environments.*.app.__proto__ is refused at its position instead of changing containerPort", () => {
    const text = `${base}    app:\n      __proto__: {port: 1234}\n`;
    const e = first(text);
    expect(e.code).toBe("SPEC_FORBIDDEN_KEY");
    expect(e.location).toMatchObject({ path: ["environments", "production", "app", "__proto__"], line: 10, col: 7 });
  });
  it("constructor and prototype are refused anywhere, also as flow keys", () => {
    expect(first(base.replace("  port: 3000", "  port: 3000\n  env: {constructor: x}")).code).toBe("SPEC_FORBIDDEN_KEY");
    expect(first(`${base}x:\n  - prototype: 1\n`).code).toBe("SPEC_FORBIDDEN_KEY");
  });
  it("the overlay merge cannot reach a prototype even when handed such a key", () => {
    const overlay = JSON.parse('{"__proto__": {"port": 1234}, "image": "x:2"}') as Record<string, unknown>;
    const merged = mergeOverlay({ image: "x:1", port: 3000 }, overlay) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged.port).toBe(3000);
    expect(merged.image).toBe("x:2");
    const onEmpty = mergeOverlay({}, overlay) as Record<string, unknown>;
    expect(onEmpty.port).toBeUndefined();
  });
  it("a valid overlay still renders its own port", () => {
    const validated = validateSpec(parseSpecText(`${base}    app:\n      port: 4000\n`, "slipway.yaml"));
    const model = buildModel(validated, chooseEnvironment(validated, "production"));
    expect(JSON.stringify(renderKubernetes(model))).toContain('"containerPort":4000');
  });
});

describe("duplicate keys and key counts (issue 13, item 9)", () => {
  const manyEnv = (n: number, extra = "") => {
    const lines = Array.from({ length: n }, (_, i) => `    K${i}: v`);
    return base.replace("  health: /up\n", `  health: /up\n  env:\n${lines.join("\n")}\n${extra}`);
  };
  it("a duplicate at the end of 9,000 keys is found, at its line, pointing back at the first", () => {
    const e = first(manyEnv(9000, "    K17: again\n"));
    expect(e.code).toBe("SPEC_YAML_SYNTAX");
    expect(e.location?.line).toBe(9007);
    expect(e.message).toContain("first at line 24");
    expect(e.hint).toContain("once");
  });
  it("9,000 distinct keys validate", () => {
    expect(errors(manyEnv(9000))).toEqual([]);
  });
  it(`more than ${maxSpecNodes} keys and values is SPEC_TOO_LARGE, before the YAML library builds anything`, () => {
    const e = first(manyEnv(maxSpecNodes));
    expect(e.code).toBe("SPEC_TOO_LARGE");
  });
  it("keys 1 and '1' are different keys, as YAML has them", () => {
    expect(first(`${base}x: {1: a, "1": b}\n`).code).not.toBe("SPEC_YAML_SYNTAX");
  });
});

describe("nesting depth (issue 13, item 11)", () => {
  it("10,000-deep flow nesting is INPUT_TOO_DEEP at the level past the limit", () => {
    const e = first(`name: x\nv: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`);
    expect(e.code).toBe("INPUT_TOO_DEEP");
    // The top-level mapping is level 1, so the 256th `[` is the first level too many.
    expect(e.location).toMatchObject({ line: 2, col: 3 + maxNestingDepth });
  });
  it("deep block nesting, also where sequences share their key's column", () => {
    expect(first(`name: x\nv:\n  ${"- ".repeat(2000)}x\n`).code).toBe("INPUT_TOO_DEEP");
    // 200 keys each holding a sequence at the key's own column: 400 levels in 200 columns.
    let text = "name: x\nv:\n";
    let indent = "";
    for (let i = 0; i < 200; i++) {
      text += `${indent}- k:\n`;
      indent += "  ";
    }
    text += `${indent}- end\n`;
    expect(first(text).code).toBe("INPUT_TOO_DEEP");
  });
  it("nesting right at the limit is accepted by the scan and the parsed-depth check", () => {
    const atLimit = `${"[".repeat(maxNestingDepth)}${"]".repeat(maxNestingDepth)}`;
    expect(scanYaml(atLimit).tooDeepAt).toBeUndefined();
    expect(nodeTooDeep(parseDocument(atLimit).contents)).toBeUndefined();
    const over = `[${atLimit}]`;
    expect(scanYaml(over).tooDeepAt).toBe(maxNestingDepth);
    expect(nodeTooDeep(parseDocument(over).contents)).toBeDefined();
  });
  it("brackets inside quotes, comments and block scalars are not nesting", () => {
    const text = `a: "${"[".repeat(500)}"\nb: '${"{".repeat(500)}'\n# ${"[".repeat(500)}\nc: |\n  ${"[".repeat(500)}\n`;
    expect(scanYaml(text).tooDeepAt).toBeUndefined();
  });
  it("lineColAt counts 1-based lines and columns", () => {
    expect(lineColAt("ab\ncd\n", 4)).toEqual({ line: 2, col: 2 });
  });
});
