import type { TargetDriver } from "../driver.js";

/**
 * The `kubernetes` target's driver: the objects `render kubernetes` makes, applied server-side to a
 * cluster, with history and lock kept in the cluster. The session's code (and the API client) load
 * only when an environment of this type is opened.
 */
export const kubernetesDriver: TargetDriver = {
  type: "kubernetes",
  capabilities: { renders: "kubernetes", runsImage: true, diff: true, down: false, dev: false },
  async open(request, ctx) {
    const { openKubernetesSession } = await import("./session.js");
    return openKubernetesSession(request, ctx);
  },
};
