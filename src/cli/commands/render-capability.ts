import { capabilityNeeds, type RenderCapability } from "../../render/renderer.js";
import { type DriverRegistry, driverOf, targetDrivers } from "../../targets/index.js";

/**
 * The form of deployment files an environment's target takes in, as its driver declares it
 * (`capabilities.renders`); undefined when no renderer makes it (local runs the app's folder).
 * Driver modules are a few lines each and load their session code only when opened.
 */
export async function rendersFor(
  env: { target: { type: string } },
  registry: DriverRegistry = targetDrivers,
): Promise<RenderCapability | undefined> {
  return (await driverOf(env, registry)).capabilities.renders;
}

/** Whether environment `env` takes what a renderer of `capability` makes (its target's form, and `infra` for "aws"). */
export async function environmentTakes(
  env: { target: { type: string }; infra?: unknown },
  capability: RenderCapability,
  registry: DriverRegistry = targetDrivers,
): Promise<boolean> {
  const needs = capabilityNeeds[capability];
  return (await rendersFor(env, registry)) === needs.form && (!needs.infra || env.infra !== undefined);
}

/** Target types whose environments take `capability`, for hints ("give an environment `target: kubernetes`"). */
export async function targetsRendering(capability: RenderCapability, registry: DriverRegistry = targetDrivers): Promise<string[]> {
  const types = registry.types();
  const renders = await Promise.all(types.map((type) => registry.driver(type).then((d) => d.capabilities.renders)));
  return types.filter((_, i) => renders[i] === capabilityNeeds[capability].form);
}
