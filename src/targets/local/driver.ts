import type { TargetDriver } from "../driver.js";

/**
 * The `local` target's driver: processes on this machine behind a proxy, an embedded database. It
 * runs a copy of the app's folder, never an image, so `check` has nothing of it to check or render.
 */
export const localDriver: TargetDriver = {
  type: "local",
  capabilities: { runsImage: false, diff: false, down: true, dev: true },
  async open(request, ctx) {
    const { openLocalSession } = await import("./session.js");
    return openLocalSession(request, ctx);
  },
};
