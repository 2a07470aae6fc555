/** Who holds a deploy lock, so a waiting or failing deploy can say who is in the way. */
export interface LockHolder {
  pid: number;
  host: string;
  user: string;
  command: string;
  acquiredAt: string;
  heartbeatAt: string;
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

/** A holder is dead when its process is gone (same host) or its heartbeat is older than `staleMs`. */
export function isHolderDead(holder: LockHolder, now: Date, host: string, pidAlive: (pid: number) => boolean, staleMs: number): boolean {
  if (holder.host === host) return !pidAlive(holder.pid);
  return now.getTime() - Date.parse(holder.heartbeatAt) > staleMs;
}
