import { ciRenderer } from "./ci/ci-renderer.js";
import { helmRenderer } from "./helm/helm-renderer.js";
import { kubernetesRenderer } from "./kubernetes/kubernetes-renderer.js";
import { observabilityRenderer } from "./observability/observability-renderer.js";
import type { Renderer } from "./renderer.js";
import { terraformRenderer } from "./terraform/terraform-renderer.js";

/**
 * Every renderer, in the order `slipway render --help` lists them. Adding one: a folder
 * src/render/<name>/ exporting a `Renderer`, and one line here. The CLI, the docs and the dogfood
 * test (its output passes `slipway check`) pick it up from this list.
 */
export const renderers: readonly Renderer[] = [kubernetesRenderer, helmRenderer, terraformRenderer, ciRenderer, observabilityRenderer];
