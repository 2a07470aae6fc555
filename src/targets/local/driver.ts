import type { TargetDriver } from "../driver.js";

/**
 * The `local` target's driver: processes on this machine behind a proxy, an embedded database. It
 * runs a copy of the app's folder, never an image, so `check` has nothing of it to check or render.
 */
export const localDriver: TargetDriver = {
  type: "local",
  capabilities: {
    deploys: "a copy of the app's folder to the local target and runs its command: no image and no Kubernetes object",
    runsImage: false,
    diff: false,
    down: true,
    dev: true,
    db: true,
  },
  async open(request, ctx) {
    const { openLocalSession } = await import("./session.js");
    return openLocalSession(request, ctx);
  },
};
