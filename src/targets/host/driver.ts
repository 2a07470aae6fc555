import type { TargetDriver } from "../driver.js";

/**
 * The `host` target's driver: one server over SSH, the app as containers of its image behind Caddy
 * on the server. It runs the image, but renders no Kubernetes object for `check` to check.
 */
export const hostDriver: TargetDriver = {
  type: "host",
  capabilities: {
    deploys: "the app's image as containers on a server over SSH: no Kubernetes object",
    runsImage: true,
    diff: false,
    down: true,
    dev: false,
    db: true,
  },
  async open(request, ctx) {
    const { openHostSession } = await import("./session.js");
    return openHostSession(request, ctx);
  },
};
