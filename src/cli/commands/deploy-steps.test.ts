import { describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../../deploy/history.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { HostTargetSpec } from "../../spec/resolve.js";
import { buildPushes, pickRollback } from "./deploy-steps.js";

const record = (revision: number, outcome: ReleaseRecord["outcome"]) => ({ revision, outcome }) as ReleaseRecord;
const records = [record(3, "succeeded"), record(4, "failed"), record(5, "succeeded"), record(6, "succeeded")];

function refusal(to: number | undefined, list: readonly ReleaseRecord[] = records): SlipwayError {
  try {
    pickRollback(list, to);
  } catch (error) {
    if (error instanceof SlipwayError) return error;
  }
  throw new Error("pickRollback accepted it");
}

describe("pickRollback", () => {
  it("picks the newest successful release before the current one, or the one asked for", () => {
    expect(pickRollback(records, undefined).revision).toBe(5);
    expect(pickRollback(records, 3).revision).toBe(3);
  });

  it("says a revision that does not exist does not exist, naming what is recorded", () => {
    const e = refusal(42);
    expect(e.code).toBe("DEPLOY_NO_RELEASE");
    expect(e.message).toBe("revision 42 does not exist (recorded: 3, 4, 5, 6)");
    expect(refusal(1, []).message).toBe("revision 1 does not exist");
  });

  it("says why a recorded revision cannot be rolled back to", () => {
    expect(refusal(4).message).toBe("revision 4 is not a successful release (it failed)");
    expect(refusal(undefined, [record(1, "succeeded")]).message).toBe("there is no earlier successful release to roll back to");
  });
});

describe("buildPushes", () => {
  const host = (imageTransfer: HostTargetSpec["imageTransfer"]): HostTargetSpec => ({
    type: "host",
    ssh: "deploy@203.0.113.7",
    identity: undefined,
    knownHosts: undefined,
    runtime: "podman",
    imageTransfer,
    port: 80,
    tls: undefined,
    httpsPort: 443,
    acmeEmail: undefined,
    dir: "/var/lib/slipway",
    database: {},
    proxy: {},
  });

  it("pushes for Kubernetes and for a host that only pulls; a host that copies deploys the local build", () => {
    expect(buildPushes({ type: "kubernetes", context: undefined, namespace: "shop" })).toBe(true);
    expect(buildPushes(host("pull"))).toBe(true);
    expect(buildPushes(host("auto"))).toBe(false);
    expect(buildPushes(host("copy"))).toBe(false);
  });
});
