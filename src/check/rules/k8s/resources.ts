import type { KubeSubject, Problem } from "../../types.js";
import { eachContainer, record } from "./pod.js";
import { parseQuantity } from "./quantity.js";

/** Containers whose limit for `resource` is set and differs from its request (compared as quantities). */
export function* limitDiffersFromRequest(s: KubeSubject, resource: string): Generator<Problem> {
  for (const { c } of eachContainer(s)) {
    const r = record(c.container.resources);
    const request = record(r.requests)[resource];
    const limit = record(r.limits)[resource];
    if (request === undefined || limit === undefined) continue;
    const a = parseQuantity(request);
    const b = parseQuantity(limit);
    if (a === undefined || b === undefined || Math.abs(a - b) <= Math.abs(a) * 1e-9) continue;
    yield {
      message: `container '${c.name}' requests ${String(request)} ${resource} but may use ${String(limit)}`,
      path: [...c.path, "resources", "limits", resource],
    };
  }
}
