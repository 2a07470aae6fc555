import * as z from "zod";
import { appSchema, databaseSchema, ingressSchema, specSchema } from "./schema.js";

type Json = Record<string, unknown>;

/**
 * The published JSON Schema of slipway.yaml (what `slipway schema` prints and editors use).
 * Environment overlays get the same keys as the base with nothing required, so editors complete
 * and check them too.
 */
export function specJsonSchema(): Json {
  const schema = z.toJSONSchema(specSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Json;
  const envs = (schema.properties as Json).environments as Json;
  const env = envs.additionalProperties as Json;
  const props = env.properties as Json;
  const partial = (s: z.ZodType) => withoutRequired(z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Json);
  props.app = { ...partial(appSchema), description: "Overrides of `app` (deep merge; lists replace)." };
  props.database = { ...partial(databaseSchema), description: "Overrides of `database`." };
  props.ingress = {
    anyOf: [partial(ingressSchema), { type: "null" }],
    description: "Overrides of `ingress`; null removes the ingress in this environment.",
  };
  return {
    $id: "https://slipway.dev/schema/slipway.schema.json",
    title: "slipway.yaml",
    ...schema,
  };
}

function withoutRequired(node: unknown): Json {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== "object") return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "required" || k === "$schema") continue;
      out[k] = visit(v);
    }
    return out;
  };
  return visit(node) as Json;
}
