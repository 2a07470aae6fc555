import { join } from "node:path";
import { maxInputBytes, parseInputs } from "../../check/parse-inputs.js";
import { intentWaivers, renderedBatch, specWaivers } from "../../check/rendered.js";
import { atLeast, runCheck } from "../../check/run-check.js";
import type { Finding } from "../../check/types.js";
import { readUserFile } from "../../effects/read-user-file.js";
import { isSlipwayError } from "../../errors/slipway-error.js";
import { renderKubernetes } from "../../render/kubernetes/render-kubernetes.js";
import { buildModel } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";

/**
 * The deploy preflight: `slipway check` of what this spec renders for its Kubernetes environments and
 * of the app's Dockerfile. Returns the unwaived findings at high or above (they stop a deploy
 * unless --force).
 */
export async function preflightFindings(validated: ValidatedSpec, specDir: string, today: string): Promise<Finding[]> {
  const extraWaivers = [];
  const rendered = [];
  for (const env of Object.values(validated.environments).filter((e) => e.target.type === "kubernetes")) {
    const model = modelForCheck(validated, env);
    extraWaivers.push(...intentWaivers(model, validated.file));
    rendered.push({ model, objects: renderKubernetes(model) });
  }
  const batch = renderedBatch(rendered);
  const dockerfile = join(specDir, "Dockerfile");
  try {
    const read = await readUserFile(dockerfile, { maxBytes: maxInputBytes, shown: "Dockerfile" });
    if (read.kind === "folder") throw new Error("no Dockerfile to check");
    const origin = { file: "Dockerfile", label: "Dockerfile" };
    const parsed = parseInputs([
      read.kind === "file"
        ? { origin, bytes: read.bytes, size: read.bytes.byteLength, explicit: true, kind: "dockerfile" }
        : { origin, bytes: undefined, size: read.size, explicit: true, kind: "dockerfile" },
    ]);
    batch.dockerfiles.push(...parsed.dockerfiles);
    batch.inputs.push(...parsed.inputs);
  } catch {
    // No Dockerfile: the local target runs the app's command; nothing to check there.
  }
  const report = runCheck(batch, {
    today,
    specWaivers: specWaivers(validated, validated.file),
    extraWaivers,
    kubernetesOnly: false,
  });
  return report.findings.filter((f) => f.waived === undefined && atLeast(f.severity, "high"));
}

/** A model to check: the spec's own image pin, or a placeholder tag when the pin comes at deploy time. */
function modelForCheck(validated: ValidatedSpec, env: ResolvedEnvironment) {
  try {
    return buildModel(validated, env);
  } catch (error) {
    if (isSlipwayError(error) && error.code === "RENDER_IMAGE_UNPINNED") return buildModel(validated, env, { tag: "preflight" });
    throw error;
  }
}
