import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { helpPages } from "../../src/cli/help-pages.js";
import { version } from "../../src/cli/version.js";
import { cliReference, errorReference, specReference } from "../../src/docs/reference.js";
import { specJsonSchema } from "../../src/spec/json-schema.js";
import { repoRoot } from "../helpers/examples.js";

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

describe("generated files are in step with the code (regenerate with `npm run docs`)", () => {
  it("schema/slipway.schema.json", () => {
    expect(JSON.parse(read("schema/slipway.schema.json"))).toEqual(specJsonSchema());
  });
  it("docs/spec.md", () => {
    expect(read("docs/spec.md")).toBe(specReference(specJsonSchema()));
  });
  it("docs/errors.md", () => {
    expect(read("docs/errors.md")).toBe(errorReference());
  });
  it("docs/cli.md", () => {
    expect(read("docs/cli.md")).toBe(cliReference(helpPages()));
  });
  it("every command's --help has examples", () => {
    const pages = helpPages();
    expect(pages.length).toBeGreaterThan(15);
    for (const page of pages) expect(page.help, page.command).toMatch(page.command === "slipway" ? /Exit codes:/ : /Examples:/);
  });
  it("the CLI version is package.json's", () => {
    expect(version).toBe(JSON.parse(read("package.json")).version);
  });
  it("the spec reference documents every key of the minimal and fuller specs", () => {
    const doc = read("docs/spec.md");
    for (const key of [
      "`app.image`",
      "`app.health`",
      "`app.scale.min`",
      "`database.engine`",
      "`ingress.class`",
      "`environments.<env>.target`",
      "`app.egress[].host`",
    ]) {
      expect(doc).toContain(key);
    }
  });
});
