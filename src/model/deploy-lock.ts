/*
 * The deploy lock's contract and holder record, shared by the engine, the local lock file
 * (effects/file-lock.ts) and the Kubernetes Lease (targets/kubernetes/kube-lock.ts). Pure.
 */

/** Who holds a deploy lock, so a waiting or failing deploy can say who is in the way. */
export interface LockHolder {
  pid: number;
  host: string;
  user: string;
  command: string;
  acquiredAt: string;
  heartbeatAt: string;
  /** Random per acquisition: tells this holding apart from any other by the same process. */
  token?: string;
  /** The holder process's start time (see `DetachedProcess.startTime`), so a recycled pid is not taken for it. */
  startTime?: string;
}

export interface LockHandle {
  readonly holder: LockHolder;
  /** Whether the lock was taken over from a holder that had died. */
  readonly tookOverFrom: LockHolder | undefined;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Wait for a live holder (true) or fail at once (false). */
  wait: boolean;
  /** Give up waiting after this long. */
  timeoutMs: number;
  onWait?: (holder: LockHolder) => void;
}

/** A deploy lock per app and environment: a file locally, a Lease in Kubernetes. */
export interface DeployLock {
  acquire(command: string, options: AcquireOptions): Promise<LockHandle>;
  inspect(): Promise<LockHolder | undefined>;
  /** Removes the lock whoever holds it; returns the holder it removed. */
  forceUnlock(): Promise<LockHolder | undefined>;
}

/**
 * A holder is dead when its process is gone (same host: `pidAlive` is asked with the recorded start
 * time) or its heartbeat is older than `staleMs` (another host).
 */
export function isHolderDead(
  holder: LockHolder,
  now: Date,
  host: string,
  pidAlive: (pid: number, startTime?: string) => boolean,
  staleMs: number,
): boolean {
  if (holder.host === host) return !pidAlive(holder.pid, holder.startTime);
  return now.getTime() - Date.parse(holder.heartbeatAt) > staleMs;
}

/** A lock file's text as a holder; undefined when it is not JSON of a holder's shape (empty, torn, edited). */
export function parseLockHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ["host", "user", "command", "acquiredAt", "heartbeatAt"] as const;
  if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return undefined;
  if (!strings.every((key) => typeof v[key] === "string")) return undefined;
  if (Number.isNaN(Date.parse(v.heartbeatAt as string))) return undefined;
  for (const key of ["token", "startTime"] as const) if (v[key] !== undefined && typeof v[key] !== "string") return undefined;
  return value as LockHolder;
}
