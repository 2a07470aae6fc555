import { writeSync } from "node:fs";

/** Standard output or error as a command sees it (CliContext.stdout/stderr). */
export interface StdOutput {
  write(chunk: string | Uint8Array): boolean;
  readonly isTTY: boolean;
}

type StreamName = "standard output" | "standard error";
/** What a failed write does: EPIPE stops quietly, anything else is reported (set by run.ts). */
let onWriteError: (error: NodeJS.ErrnoException, stream: StreamName) => void = (error) => {
  throw error;
};

export function setWriteErrorHandler(handler: (error: NodeJS.ErrnoException, stream: StreamName) => void): void {
  onWriteError = handler;
}

const wait = new Int32Array(new SharedArrayBuffer(4));

/**
 * fd 1 or 2 written with write(2), without process.stdout/stderr. Creating those streams loads
 * Node's stream, net and tty machinery: ≈ 8–13M instructions each on a cold start, ≈ 8 % of a cold
 * `render kubernetes`, which writes its YAML once and never touches stderr on success. On Linux
 * Node writes standard streams synchronously anyway (files, pipes and terminals), so the order
 * with anything written through process.stdout stays the same. A partial write continues where it
 * stopped; a pipe opened non-blocking by the reader (EAGAIN) is retried after 1 ms.
 */
export function fdOutput(fd: 1 | 2): StdOutput {
  const stream: StreamName = fd === 1 ? "standard output" : "standard error";
  let tty: boolean | undefined;
  return {
    get isTTY() {
      // node:tty on first use only (it loads net and stream).
      tty ??= process.getBuiltinModule("node:tty").isatty(fd);
      return tty;
    },
    write(chunk) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      let offset = 0;
      while (offset < bytes.length) {
        try {
          offset += writeSync(fd, bytes, offset, bytes.length - offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EAGAIN") {
            Atomics.wait(wait, 0, 0, 1);
            continue;
          }
          onWriteError(error as NodeJS.ErrnoException, stream);
          return false;
        }
      }
      return true;
    },
  };
}
