import { describe, expect, it } from "vitest";
import {
  databaseImagePullHint,
  type ImageStep,
  type ImageTransferMode,
  imageStep,
  needsLocalImageCheck,
  pullHint,
  registryOf,
} from "./image-transfer.js";

describe("the host target's image transfer verdict", () => {
  const table: [ImageTransferMode, { onServer: boolean; here: boolean }, ImageStep][] = [
    // An image the server already has is used as it is, whatever the mode.
    ["auto", { onServer: true, here: true }, "none"],
    ["auto", { onServer: true, here: false }, "none"],
    ["pull", { onServer: true, here: false }, "none"],
    ["copy", { onServer: true, here: true }, "none"],
    // auto: copy what this machine has, else pull on the server.
    ["auto", { onServer: false, here: true }, "copy"],
    ["auto", { onServer: false, here: false }, "pull"],
    // pull never copies, even when this machine has the image.
    ["pull", { onServer: false, here: true }, "pull"],
    ["pull", { onServer: false, here: false }, "pull"],
    // copy never pulls: an image this machine lacks fails at the copy (image-pull).
    ["copy", { onServer: false, here: true }, "copy"],
    ["copy", { onServer: false, here: false }, "copy"],
  ];
  it.each(table)("%s with %o → %s", (mode, facts, step) => {
    expect(imageStep(mode, facts)).toBe(step);
  });

  it("asks this machine's runtime only when auto has to choose", () => {
    expect(needsLocalImageCheck("auto", false)).toBe(true);
    expect(needsLocalImageCheck("auto", true)).toBe(false);
    expect(needsLocalImageCheck("pull", false)).toBe(false);
    expect(needsLocalImageCheck("copy", false)).toBe(false);
  });
});

describe("the registry a reference names, for the pull hint", () => {
  it.each([
    ["127.0.0.1:5000/shop@sha256:abc", "127.0.0.1:5000"],
    ["ghcr.io/acme/shop:1", "ghcr.io"],
    ["localhost/slipway-test/app:v1", "localhost"],
    ["docker.io/library/postgres:17", "docker.io"],
    ["shop:1", undefined],
    ["library/shop:1", undefined],
  ])("%s → %s", (ref, registry) => {
    expect(registryOf(ref)).toBe(registry);
  });

  it("names a login into an explicit credentials file and the host.env setting that points the runtime at it", () => {
    const podman = pullHint("podman", "127.0.0.1:5000/shop:1");
    expect(podman).toContain("`podman login --authfile FILE 127.0.0.1:5000` on the server");
    expect(podman).toContain("`slipway host setup --runtime-env REGISTRY_AUTH_FILE=FILE`");
    expect(podman).toContain("--runtime-env CONTAINERS_REGISTRIES_CONF=");
    expect(podman).not.toContain("short name");
    const docker = pullHint("docker", "shop:1");
    expect(docker).toContain("`docker --config DIR login REGISTRY` on the server");
    expect(docker).toContain("--runtime-env DOCKER_CONFIG=DIR");
    expect(docker).toContain("insecure-registries");
    expect(docker).toContain("short name");
  });

  it("for the database image setup could neither copy nor pull, names the image on this machine or database.image, not imageTransfer", () => {
    const hint = databaseImagePullHint("podman", "docker.io/library/postgres:17");
    expect(hint).toContain("This machine's podman has no docker.io/library/postgres:17 to copy");
    expect(hint).toContain("`podman images`");
    expect(hint).toContain("database.image");
    expect(hint).toContain("`podman login --authfile FILE docker.io` on the server");
    expect(hint).toContain("--runtime-env CONTAINERS_REGISTRIES_CONF=");
    expect(hint).not.toContain("imageTransfer");
    expect(hint).not.toContain("logs");
    expect(pullHint("podman", "ghcr.io/acme/shop:1")).toMatch(
      /; or copy the image instead: imageTransfer: copy \(or auto, with the image on this machine\)\.$/,
    );
  });
});
