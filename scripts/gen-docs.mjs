// Regenerates the generated reference files from the built library (run `npm run build` first).
import { writeFileSync } from "node:fs";
import { helpPages } from "../dist/cli/help-pages.js";
import { cliReference, errorReference, specReference } from "../dist/docs/reference.js";
import { specJsonSchema } from "../dist/index.js";

const schema = specJsonSchema();
writeFileSync(new URL("../schema/slipway.schema.json", import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
writeFileSync(new URL("../docs/spec.md", import.meta.url), specReference(schema));
writeFileSync(new URL("../docs/errors.md", import.meta.url), errorReference());
writeFileSync(new URL("../docs/cli.md", import.meta.url), cliReference(helpPages()));
console.log("wrote schema/slipway.schema.json, docs/spec.md, docs/errors.md, docs/cli.md");
