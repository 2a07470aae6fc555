/**
 * slipway's library API. The CLI is a thin layer over these functions; everything here is pure
 * except `loadSpecFile`, which reads a file.
 */
export { type ErrorCode, errorCodes, exitCodes } from "./errors/codes.js";
export { formatPath, isSlipwayError, SlipwayError, type SlipwayErrorJson, type SpecLocation } from "./errors/slipway-error.js";
export type * from "./model/app-model.js";
export { type Artifact, renderHelm } from "./render/helm/render-helm.js";
export { type KubeObject, renderKubernetes } from "./render/kubernetes/render-kubernetes.js";
export { renderers } from "./render/registry.js";
export type { CheckKind, RenderCapability, RenderedFile, Renderer, RendererCommand, RenderWritten } from "./render/renderer.js";
export { toYaml, toYamlStream } from "./render/yaml-stream.js";
export { specJsonSchema } from "./spec/json-schema.js";
export { parseSpecText, type SourceDocument } from "./spec/load.js";
export { buildModel, chooseEnvironment, type ModelOptions } from "./spec/normalize.js";
export type { Spec, SpecInput } from "./spec/schema.js";
export { type ResolvedEnvironment, type ValidatedSpec, validateSpec } from "./spec/validate.js";

import { readSpecBytes } from "./effects/files.js";
import { parseSpecText } from "./spec/load.js";
import { type ValidatedSpec, validateSpec } from "./spec/validate.js";

/** Reads, parses and validates a spec file. Throws SlipwayError with file:line:col on problems. */
export async function loadSpecFile(file: string): Promise<ValidatedSpec> {
  return validateSpec(parseSpecText(await readSpecBytes(file), file));
}

/**
 * Renders an environment to a YAML string: a helper for snapshot-testing your own spec.
 * @param text slipway.yaml contents
 * @param environment environment name (optional when there is only one)
 */
export function renderSpecForTest(text: string, environment?: string, options: { tag?: string; digest?: string } = {}): string {
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  const env = chooseEnvironment(validated, environment);
  return toYamlStream(renderKubernetes(buildModel(validated, env, options)));
}

import { renderKubernetes } from "./render/kubernetes/render-kubernetes.js";
import { toYamlStream } from "./render/yaml-stream.js";
import { buildModel, chooseEnvironment } from "./spec/normalize.js";
