/**
 * The Kubernetes remote-command channel protocol over WebSocket (`v5.channel.k8s.io`, falling
 * back to `v4.channel.k8s.io`): each binary message starts with a channel byte. Pure helpers.
 */

export const execProtocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;
export type ExecProtocol = (typeof execProtocols)[number];

export const execChannel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** The final `Status` JSON (v4+): the exit code. */
  error: 3,
  /** Terminal size JSON `{Width, Height}` (tty only). */
  resize: 4,
  /** v5: `[255, channel]` closes that channel (the client closes stdin with `[255, 0]`). */
  close: 255,
} as const;

/** The query of `pods/<name>/exec`: `command` repeats once per argument. */
export function execQuery(options: { command: readonly string[]; container?: string; stdin: boolean; tty: boolean }): string {
  const q = new URLSearchParams();
  for (const arg of options.command) q.append("command", arg);
  if (options.container !== undefined) q.set("container", options.container);
  q.set("stdin", String(options.stdin));
  q.set("stdout", "true");
  // With a tty the server merges stderr into stdout and refuses a separate stderr stream.
  q.set("stderr", String(!options.tty));
  q.set("tty", String(options.tty));
  return q.toString();
}

/** A payload for `channel`: the channel byte, then the data. */
export function channelMessage(channel: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.alloc(1 + data.length);
  out[0] = channel;
  out.set(data, 1);
  return out;
}

/** Splits a received payload into its channel and data; undefined for an empty payload. */
export function splitChannel(payload: Uint8Array): { channel: number; data: Buffer } | undefined {
  if (payload.length === 0) return undefined;
  return { channel: payload[0] as number, data: Buffer.from(payload.subarray(1)) };
}

/** What the final Status on the error channel says. */
export type ExecOutcome = { kind: "exited"; exitCode: number } | { kind: "failed"; message: string; reason?: string };

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; type?: string; message?: string }[] };
}

/**
 * Reads the error channel's Status: `Success` → exit 0; `NonZeroExitCode` with a cause
 * `{reason: "ExitCode", message: "N"}` → exit N. Any other failure (the command could not be
 * started, the container is gone …) is `failed` — except that a message ending in Go's
 * `exit status N` also counts as exit N: kwok's fake kubelet reports a finished command that way
 * (an InternalError wrapping os/exec's error) instead of NonZeroExitCode.
 * An empty text (no Status sent) is undefined.
 */
export function execOutcome(text: string): ExecOutcome | undefined {
  if (text.trim() === "") return undefined;
  let status: ExecStatus;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return { kind: "failed", message: text.trim() };
    status = parsed as ExecStatus;
  } catch {
    return { kind: "failed", message: text.trim() };
  }
  if (status.status === "Success") return { kind: "exited", exitCode: 0 };
  for (const cause of status.details?.causes ?? []) {
    // The cause's type is serialized as `reason`; accept `type` too.
    if ((cause.reason ?? cause.type) === "ExitCode" && cause.message !== undefined && /^\d+$/.test(cause.message.trim())) {
      return { kind: "exited", exitCode: Number(cause.message.trim()) };
    }
  }
  const message = status.message ?? "the command failed";
  const goExit = /exit status (\d+)\s*$/.exec(message);
  if (goExit?.[1] !== undefined) return { kind: "exited", exitCode: Number(goExit[1]) };
  return status.reason === undefined ? { kind: "failed", message } : { kind: "failed", message, reason: status.reason };
}
