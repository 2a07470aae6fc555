import type { RenderCapability } from "../../render/renderer.js";

/*
 * Which form of deployment files each target type takes in: the one place the CLI turns a target
 * into a render capability. It moves to the target drivers (`renders` on each driver) when they
 * land; until then render, and anything else that asks, asks here.
 */
const renders: Readonly<Record<string, RenderCapability | undefined>> = { kubernetes: "kubernetes", local: undefined };

/** The form an environment's target deploys, or undefined when no renderer makes it (local runs the app's folder). */
export function rendersFor(env: { target: { type: string } }): RenderCapability | undefined {
  return renders[env.target.type];
}

/** Target types whose environments take `capability`, for hints ("give an environment `target: kubernetes`"). */
export function targetsRendering(capability: RenderCapability): string[] {
  return Object.keys(renders).filter((type) => renders[type] === capability);
}
