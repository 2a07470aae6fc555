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

/** What to check on the server when a pull fails: credentials, the registry settings host.env names. */
export function pullHint(runtime: "podman" | "docker", ref: string): string {
  const registry = registryOf(ref);
  const login = `\`${runtime} login ${registry ?? "REGISTRY"}\` on the server as the SSH user`;
  const settings =
    runtime === "podman"
      ? "or name an auth file and a registries.conf (mirrors, plain-HTTP registries) in the server's host.env: `slipway host setup --runtime-env REGISTRY_AUTH_FILE=… --runtime-env CONTAINERS_REGISTRIES_CONF=…`"
      : "or name a client config folder in the server's host.env (`slipway host setup --runtime-env DOCKER_CONFIG=…`); a plain-HTTP registry is the daemon's insecure-registries setting";
  const qualify =
    registry === undefined ? "; a reference without a registry host is resolved by the server's runtime, so name it in full" : "";
  return `A private registry needs credentials: ${login}, ${settings}${qualify}. Or copy the image instead: imageTransfer: copy (or auto, with the image on this machine).`;
}
