/**
 * The deploy lock as a coordination.k8s.io/v1 Lease per app and environment. Each holder applies
 * with its own field manager, so two deploys claiming a free lock at once conflict on
 * holderIdentity and only one wins; an expired lease is taken over with the observed
 * resourceVersion, so a holder that renewed in between keeps it.
 */
import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { AcquireOptions, DeployLock, LockHandle, LockHolder } from "../../deploy/lock.js";
import type { KubeApi, KubeObject } from "../../effects/kube/kube-api.js";
import { isKubeError } from "../../effects/kube/kube-error.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { ensureNamespace } from "./ensure-namespace.js";

export interface KubeLockOptions {
  api: KubeApi;
  app: string;
  environment: string;
  namespace: string;
  /** Heartbeat interval; default 2000 ms. */
  renewMs?: number;
  /** Default 15 s. */
  leaseDurationSeconds?: number;
  /** How often a waiting deploy looks again; default 500 ms. */
  pollMs?: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
}

const COMMAND = "slipway.dev/command";
const USER = "slipway.dev/user";
/** Tells two lock instances of one process apart (holderIdentity is only `pid@host`). */
const TOKEN = "slipway.dev/holder-token";

/** `slipway-<app>-<env>`. */
export function leaseName(app: string, environment: string): string {
  return `slipway-${app}-${environment}`;
}

function holderOf(lease: KubeObject): LockHolder | undefined {
  const spec = (lease.spec ?? {}) as LeaseSpec;
  if (!spec.holderIdentity) return undefined;
  const at = spec.holderIdentity.indexOf("@");
  return {
    pid: Number(spec.holderIdentity.slice(0, at)),
    host: spec.holderIdentity.slice(at + 1),
    user: lease.metadata.annotations?.[USER] ?? "",
    command: lease.metadata.annotations?.[COMMAND] ?? "",
    acquiredAt: spec.acquireTime ?? "",
    heartbeatAt: spec.renewTime ?? spec.acquireTime ?? "",
  };
}

function expired(lease: KubeObject, now: number): boolean {
  const spec = (lease.spec ?? {}) as LeaseSpec;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? "");
  return Number.isNaN(renewed) || now - renewed > (spec.leaseDurationSeconds ?? 15) * 1000;
}

/** A holder on this host whose process is gone (killed) cannot renew: no need to wait out its lease. */
function deadOnThisHost(holder: LockHolder): boolean {
  if (holder.host !== hostname() || !Number.isInteger(holder.pid) || holder.pid <= 0 || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function kubeLock(options: KubeLockOptions): DeployLock {
  const { api, namespace } = options;
  const name = leaseName(options.app, options.environment);
  const renewMs = options.renewMs ?? 2000;
  const duration = options.leaseDurationSeconds ?? 15;
  const pollMs = options.pollMs ?? 500;
  const identity = `${process.pid}@${hostname()}`;
  const token = randomBytes(6).toString("hex");
  const fieldManager = `slipway-lock-${token}`;

  const lease = (command: string, acquiredAt: string, resourceVersion?: string): KubeObject => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      namespace,
      labels: { "app.kubernetes.io/managed-by": "slipway" },
      annotations: { [COMMAND]: command, [USER]: userInfo().username, [TOKEN]: token },
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      acquireTime: acquiredAt,
      renewTime: new Date().toISOString().replace(/Z$/, "000Z"),
    },
  });

  /** Tries once; resolves the handle, or the live holder in the way. */
  const tryClaim = async (command: string): Promise<LockHandle | LockHolder> => {
    const current = await api.get("coordination.k8s.io/v1", "Lease", namespace, name);
    const holder = current === undefined ? undefined : holderOf(current);
    const takeover = current !== undefined && holder !== undefined && (expired(current, Date.now()) || deadOnThisHost(holder));
    if (current !== undefined && holder !== undefined && !takeover) {
      if (current.metadata.annotations?.[TOKEN] !== token) return holder;
    }
    const acquiredAt = new Date().toISOString().replace(/Z$/, "000Z");
    try {
      await api.apply(lease(command, acquiredAt, takeover ? current.metadata.resourceVersion : undefined), {
        fieldManager,
        force: takeover || (current !== undefined && holder === undefined),
      });
    } catch (error) {
      // Someone else claimed or renewed it first: look again.
      if (isKubeError(error) && (error.code === "KUBE_APPLY_CONFLICT" || error.code === "KUBE_CONFLICT")) {
        const now = await api.get("coordination.k8s.io/v1", "Lease", namespace, name);
        const other = now === undefined ? undefined : holderOf(now);
        if (other !== undefined) return other;
      }
      throw error;
    }
    return handle(command, acquiredAt, takeover ? holder : undefined);
  };

  const handle = (command: string, acquiredAt: string, tookOverFrom: LockHolder | undefined): LockHandle => {
    let lost = false;
    const timer = setInterval(() => {
      api.apply(lease(command, acquiredAt), { fieldManager }).catch(() => {
        lost = true;
      });
    }, renewMs);
    timer.unref();
    return {
      holder: {
        pid: process.pid,
        host: hostname(),
        user: userInfo().username,
        command,
        acquiredAt,
        heartbeatAt: acquiredAt,
      },
      tookOverFrom,
      async release() {
        clearInterval(timer);
        if (lost) return;
        const current = await api.get("coordination.k8s.io/v1", "Lease", namespace, name);
        if (current?.metadata.annotations?.[TOKEN] === token) {
          await api.delete("coordination.k8s.io/v1", "Lease", namespace, name);
        }
      },
    };
  };

  return {
    async acquire(command: string, acquire: AcquireOptions): Promise<LockHandle> {
      await ensureNamespace(api, namespace, "slipway");
      const deadline = Date.now() + acquire.timeoutMs;
      let told = false;
      for (;;) {
        const result = await tryClaim(command);
        if ("release" in result) return result;
        const who = `pid ${result.pid} on ${result.host} (${result.command})`;
        if (!acquire.wait) {
          throw new SlipwayError("DEPLOY_LOCKED", `another deploy holds the lock: ${who}`, {
            hint: "Wait for it to finish, or run `slipway unlock --force` if it is gone.",
          });
        }
        if (Date.now() >= deadline) {
          throw new SlipwayError("DEPLOY_LOCKED", `gave up waiting for the lock held by ${who}`, {
            hint: "Wait for it to finish, or run `slipway unlock --force` if it is gone.",
          });
        }
        if (!told) acquire.onWait?.(result);
        told = true;
        await sleep(pollMs);
      }
    },
    async inspect() {
      const current = await api.get("coordination.k8s.io/v1", "Lease", namespace, name);
      return current === undefined ? undefined : holderOf(current);
    },
    async forceUnlock() {
      const current = await api.get("coordination.k8s.io/v1", "Lease", namespace, name);
      if (current === undefined) return undefined;
      await api.delete("coordination.k8s.io/v1", "Lease", namespace, name);
      return holderOf(current);
    },
  };
}
