import type { AppDetection } from "./detect-app.js";
import type { InitAnswers } from "./write-spec.js";

/**
 * The answers `slipway init --yes` uses: the detection, plus what only the user knows (the image
 * repository and, optionally, the public host). Interactive init offers these as defaults.
 */
export function suggestAnswers(detection: AppDetection, given: { image: string; ingressHost?: string | undefined }): InitAnswers {
  return {
    name: detection.name,
    image: given.image,
    port: detection.port,
    health: detection.health,
    engine: detection.engine,
    migrate: detection.migrate,
    setup: detection.setup,
    secrets: detection.secrets,
    ingressHost: given.ingressHost,
    framework: detection.framework,
  };
}
