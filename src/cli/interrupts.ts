/**
 * Ctrl-C and SIGTERM during work that must clean up (a deploy): the first signal aborts the work's
 * AbortSignal (its reason: the signal's name) so it can roll back, record and release its lock; a
 * second one exits at once. Outside such work, bin.ts's handler exits 130 straight away.
 */
export async function whileInterruptible<T>(
  work: (signal: AbortSignal) => Promise<T>,
  onFirst: (name: NodeJS.Signals) => void = () => undefined,
): Promise<T> {
  const controller = new AbortController();
  const previous = process.listeners("SIGINT");
  process.removeAllListeners("SIGINT");
  const onSignal = (name: NodeJS.Signals) => {
    // The second signal: whatever was cleaning up stops here; the next deploy's recover finishes it.
    if (controller.signal.aborted) process.exit(signalExitCode(name));
    controller.abort(name);
    onFirst(name);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    for (const listener of previous) process.on("SIGINT", listener as (signal: NodeJS.Signals) => void);
    // Work given up on (a wait for the lock, a copy) may still hold the event loop: once the outcome is
    // recorded and printed, exit with the code the command set instead of waiting for it.
    if (controller.signal.aborted) setTimeout(() => process.exit(), 2_000).unref();
  }
}

/** The shell's convention: 128 + the signal's number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(name: string): number {
  return name === "SIGTERM" ? 143 : 130;
}
