/*
 * How the host target's prepare step brings a release's image to the server
 * (targets.<t>.imageTransfer): a pure verdict over what is known, so every combination is a unit test.
 */

/** targets.<t>.imageTransfer. */
export type ImageTransferMode = "auto" | "pull" | "copy";

/** What prepare does: nothing (the server has the image), copy it from this machine (`save | ssh load`), or pull it on the server. */
export type ImageStep = "none" | "copy" | "pull";

export interface ImageFacts {
  /** `runtime image inspect REF` on the server exited 0. */
  onServer: boolean;
  /** This machine has the image (read only by `auto`: copying is cheaper than a pull and needs no registry). */
  here: boolean;
}

export function imageStep(mode: ImageTransferMode, facts: ImageFacts): ImageStep {
  if (facts.onServer) return "none";
  switch (mode) {
    case "copy":
      return "copy";
    case "pull":
      return "pull";
    case "auto":
      return facts.here ? "copy" : "pull";
  }
}

/** Whether `imageStep` reads `here` for these facts (so a caller asks this machine's runtime only then). */
export function needsLocalImageCheck(mode: ImageTransferMode, onServer: boolean): boolean {
  return mode === "auto" && !onServer;
}

/** The registry a reference names (`127.0.0.1:5000`, `ghcr.io`); undefined for a short name (`shop:1`, `library/shop`). */
export function registryOf(ref: string): string | undefined {
  const slash = ref.indexOf("/");
  if (slash < 0) return undefined;
  const first = ref.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : undefined;
}

/**
 * What to check on the server when a pull fails. slipway runs the runtime there with only PATH and
 * host.env's variables (no HOME, no XDG_RUNTIME_DIR), so a login's default credentials file is not
 * where the pull looks: the hint names the file explicitly, through host.env.
 */
export function pullHint(runtime: "podman" | "docker", ref: string): string {
  return `${registryAdvice(runtime, ref)}; or copy the image instead: imageTransfer: copy (or auto, with the image on this machine).`;
}

/**
 * What to do when `host setup` can neither copy the database accessory's image (this machine's
 * runtime lacks it) nor pull it on the server. `imageTransfer` does not govern this image, so the
 * way out is the image on this machine, another `database.image`, or the server's registry settings.
 */
export function databaseImagePullHint(runtime: "podman" | "docker", ref: string): string {
  return `This machine's ${runtime} has no ${ref} to copy (setup copies an image \`${runtime} images\` lists here), and the server could not pull it: pull or build it here, or set the target's database.image to an image the server can pull. ${registryAdvice(runtime, ref)}.`;
}

function registryAdvice(runtime: "podman" | "docker", ref: string): string {
  const registry = registryOf(ref) ?? "REGISTRY";
  const credentials =
    runtime === "podman"
      ? `\`podman login --authfile FILE ${registry}\` on the server, then \`slipway host setup --runtime-env REGISTRY_AUTH_FILE=FILE\``
      : `\`docker --config DIR login ${registry}\` on the server, then \`slipway host setup --runtime-env DOCKER_CONFIG=DIR\``;
  const settings =
    runtime === "podman"
      ? "a mirror or a plain-HTTP registry goes in a registries.conf named by `--runtime-env CONTAINERS_REGISTRIES_CONF=…`"
      : "a plain-HTTP registry is the Docker daemon's `insecure-registries` setting";
  const qualify =
    registryOf(ref) === undefined ? "; name the image with its registry host (a short name is resolved by the server's runtime)" : "";
  return `Private registry: ${credentials} (the runtime runs with only PATH and host.env, so name the credentials file there); ${settings}${qualify}`;
}
