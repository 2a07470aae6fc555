#!/usr/bin/env node
// Writes JSON schemas for kubeconform from the Kubernetes OpenAPI v2 document that ships inside
// the k8s.io/kubernetes module (api/openapi-spec/swagger.json), so kubeconform runs offline.
//
// Usage: node test/cluster/kubeconform-schemas.mjs <swagger.json> <out-dir> <kubernetes-version>
//
// Layout (what kubeconform expects for `-schema-location <out-dir> -kubernetes-version 1.36.3`):
//   <out-dir>/v1.36.3-standalone/<kind>-<group>-<version>.json          (core group: <kind>-<version>.json)
//   <out-dir>/v1.36.3-standalone-strict/<kind>-<group>-<version>.json   (objects reject unknown fields)
// Each file is standalone: the kind's schema plus every definition it references, under
// `definitions`. Plain JavaScript so that any Node >= 18 runs it (build.sh calls it).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [swaggerPath, outDir, rawVersion] = process.argv.slice(2);
if (!swaggerPath || !outDir || !rawVersion) {
  process.stderr.write("usage: kubeconform-schemas.mjs <swagger.json> <out-dir> <kubernetes-version>\n");
  process.exit(2);
}
const version = rawVersion.startsWith("v") ? rawVersion : `v${rawVersion}`;
const definitions = JSON.parse(readFileSync(swaggerPath, "utf8")).definitions ?? {};
const REF = "#/definitions/";

/** Definitions a schema refers to, directly. */
function refsOf(schema, out = new Set()) {
  if (Array.isArray(schema)) {
    for (const s of schema) refsOf(s, out);
  } else if (schema && typeof schema === "object") {
    for (const [k, v] of Object.entries(schema)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(REF)) out.add(v.slice(REF.length));
      else refsOf(v, out);
    }
  }
  return out;
}

function closure(root) {
  const seen = new Set([root]);
  const todo = [root];
  while (todo.length > 0) {
    const name = todo.pop();
    for (const r of refsOf(definitions[name])) {
      if (!seen.has(r) && r in definitions) {
        seen.add(r);
        todo.push(r);
      }
    }
  }
  return [...seen].sort();
}

const withNull = (type) => (Array.isArray(type) ? [...new Set([...type, "null"])] : [type, "null"]);

/**
 * Converts an OpenAPI v2 schema to JSON schema as kubeconform's usual schemas do: values may be
 * null, int-or-string fields accept both, quantities accept numbers, and in strict mode objects
 * with declared properties reject others.
 */
function convert(schema, strict, name) {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, strict));
  if (!schema || typeof schema !== "object") return schema;
  if (name === "io.k8s.apimachinery.pkg.api.resource.Quantity") {
    return { description: schema.description, oneOf: [{ type: "string" }, { type: "number" }, { type: "null" }] };
  }
  if (schema.format === "int-or-string" || schema["x-kubernetes-int-or-string"] === true) {
    return { description: schema.description, oneOf: [{ type: "string" }, { type: "integer" }, { type: "null" }] };
  }
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "properties" || k === "patternProperties") {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s, strict)]));
    } else if (k === "type") {
      out.type = withNull(v);
    } else if (k === "format" && v === "int-or-string") {
      // handled above
    } else if (typeof v === "object" && v !== null && !k.startsWith("x-")) {
      out[k] = convert(v, strict);
    } else {
      out[k] = v;
    }
  }
  if (strict && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function fileName(group, ver, kind) {
  const first = group === "" ? "" : `-${group.split(".")[0].toLowerCase()}`;
  return `${kind.toLowerCase()}${first}-${ver.toLowerCase()}.json`;
}

let written = 0;
for (const strict of [false, true]) {
  const dir = join(outDir, `${version}-standalone${strict ? "-strict" : ""}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, def] of Object.entries(definitions)) {
    const gvks = def["x-kubernetes-group-version-kind"];
    if (!Array.isArray(gvks)) continue;
    const defs = {};
    for (const d of closure(name)) defs[d] = convert(definitions[d], strict, d);
    for (const gvk of gvks) {
      // The apiVersion/kind a manifest declares must match the file it was validated with.
      const apiVersion = gvk.group === "" ? gvk.version : `${gvk.group}/${gvk.version}`;
      const root = convert(def, strict, name);
      root.$schema = "http://json-schema.org/draft-07/schema#";
      if (root.properties?.apiVersion) root.properties.apiVersion = { type: "string", enum: [apiVersion] };
      if (root.properties?.kind) root.properties.kind = { type: "string", enum: [gvk.kind] };
      root.definitions = defs;
      writeFileSync(join(dir, fileName(gvk.group, gvk.version, gvk.kind)), JSON.stringify(root));
      written++;
    }
  }
}
process.stdout.write(`${written} schemas written to ${outDir}/${version}-standalone{,-strict}\n`);
