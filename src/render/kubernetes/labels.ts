import type { AppModel } from "../../model/app-model.js";

export type Component = "web" | "migrate" | "setup";

/** Labels that select the app's pods; stable across releases (selectors are immutable). */
export function selectorLabels(model: AppModel, component: Component): Record<string, string> {
  return {
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/instance": model.name,
    "app.kubernetes.io/name": model.name,
  };
}

/** Labels for pods of every component: what network policies match. */
export function appLabels(model: AppModel): Record<string, string> {
  return {
    "app.kubernetes.io/instance": model.name,
    "app.kubernetes.io/name": model.name,
  };
}

/** The full label set on every object. */
export function commonLabels(model: AppModel, component?: Component): Record<string, string> {
  const labels: Record<string, string> = {
    ...(component ? { "app.kubernetes.io/component": component } : {}),
    "app.kubernetes.io/instance": model.name,
    "app.kubernetes.io/managed-by": "slipway",
    "app.kubernetes.io/name": model.name,
    "app.kubernetes.io/part-of": model.name,
  };
  const version = versionLabel(model.image.tag);
  if (version) labels["app.kubernetes.io/version"] = version;
  labels["slipway.dev/environment"] = model.environment;
  return labels;
}

/** A label value from the image tag: at most 63 characters, ending in a letter or digit. */
export function versionLabel(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  const value = tag.slice(0, 63).replace(/[-_.]+$/, "");
  return value === "" ? undefined : value;
}
