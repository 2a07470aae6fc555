import type { AppModel } from "../model/app-model.js";
import type { KubeObject } from "../render/kubernetes/render-kubernetes.js";
import type { ValidatedSpec } from "../spec/validate.js";
import { kubeSubjectFromObject } from "./inputs/kubernetes.js";
import { type CheckBatch, emptyBatch } from "./parse-inputs.js";
import type { SpecWaiverInput } from "./run-check.js";
import type { ScopedWaiver } from "./waivers.js";

export interface RenderedEnvironment {
  model: AppModel;
  objects: readonly KubeObject[];
}

/** The label findings on rendered objects carry instead of a file. */
export function renderLabel(environment: string): string {
  return `render kubernetes -e ${environment}`;
}

/** A batch of what slipway rendered: one group per environment, so cross-object rules stay inside it. */
export function renderedBatch(envs: readonly RenderedEnvironment[]): CheckBatch {
  const batch = emptyBatch();
  for (const env of envs) {
    const label = renderLabel(env.model.environment);
    const origin = { file: undefined, label };
    batch.kubeGroups.push(env.objects.map((o) => kubeSubjectFromObject(o as unknown as Record<string, unknown>, origin)));
    batch.inputs.push({ file: undefined, label, kind: "kubernetes", objects: env.objects.length });
  }
  return batch;
}

/**
 * Findings the spec accepted by declaring it: a rule that fires on a choice slipway.yaml makes
 * explicitly is waived with the spec key as the reason (shown by --show-waived).
 */
export function intentWaivers(model: AppModel, specFile: string): ScopedWaiver[] {
  const waivers: ScopedWaiver[] = [];
  const scope = { source: "spec" as const, file: specFile, line: undefined, until: undefined, scopeFile: undefined };
  if (model.ingress && !model.ingress.tls) {
    waivers.push({
      ...scope,
      rule: "SLW-K8S-040",
      reason: `ingress.tls is false for ${model.environment} in ${specFile}`,
      scopeObject: `${model.namespace}/Ingress/${model.name}`,
    });
  }
  return waivers;
}

/** The spec's `checks.waivers`, placed at their lines in slipway.yaml. */
export function specWaivers(validated: ValidatedSpec, file: string): SpecWaiverInput[] {
  const list = validated.spec.checks?.waivers ?? [];
  return list.map((w, i) => ({
    rule: w.rule,
    reason: w.reason,
    until: w.until,
    path: w.path,
    file,
    line: validated.source.locate(["checks", "waivers", i])?.line,
  }));
}
