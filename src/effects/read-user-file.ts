/*
 * The one way slipway reads a file a user pointed it at (spec, `check` inputs, init's detection
 * files, env files, kubeconfigs, Dockerfiles). A path can name anything: a symlink to /dev/zero, a
 * FIFO nobody writes to, a socket, a 10 GB log. So: open without blocking, decide by fstat of the
 * opened descriptor (no window between check and read), accept regular files only, and stop reading
 * at the cap + 1 byte however large the file claims or grows to be.
 */
import { close, closeSync, constants, fstat, fstatSync, open, openSync, read, readSync, type Stats } from "node:fs";
import { SlipwayError } from "../errors/slipway-error.js";

export type UserFile =
  | { kind: "file"; bytes: Buffer }
  /** Larger than `maxBytes`; `size` is what fstat reported, or at least maxBytes + 1 when it grew while read. */
  | { kind: "too-large"; size: number }
  | { kind: "folder" };

export interface ReadUserFileOptions {
  maxBytes: number;
  /** The path as the user wrote it, for messages. */
  shown: string;
  /** The error for a path that cannot be opened (missing, permission denied); default: the fs error itself. */
  cannotOpen?: (error: unknown) => Error;
}

/**
 * Reads a regular file of at most `maxBytes`. Folders and oversized files come back as such for the
 * caller to word; devices, FIFOs and sockets are refused with INPUT_NOT_A_FILE (exit 2).
 */
export async function readUserFile(path: string, options: ReadUserFileOptions): Promise<UserFile> {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = await new Promise<number>((done, fail) =>
      open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY, (error, opened) => (error ? fail(error) : done(opened))),
    );
  } catch (error) {
    throw openFailed(error, options);
  }
  try {
    const info = await new Promise<Stats>((done, fail) => fstat(fd, (error, stats) => (error ? fail(error) : done(stats))));
    return notReadable(info, options) ?? (await readCapped(fd, options.maxBytes, info.size));
  } finally {
    await new Promise<void>((done) => close(fd, () => done()));
  }
}

/*
 * The callback API of node:fs rather than node:fs/promises: loading fs/promises (its FileHandle
 * pulls in readline, the REPL history and the file watchers) costs ≈ 26M instructions, more than
 * a tenth of a cold `render kubernetes` (bench/RESULTS.md, start-up round 6).
 */
async function readCapped(fd: number, maxBytes: number, statSize: number): Promise<UserFile> {
  // Never more than cap + 1 bytes in memory: the extra byte is how a file that grew is noticed.
  const buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(statSize + 1, 64 * 1024)));
  let buf = buffer;
  let total = 0;
  for (;;) {
    if (total === buf.length) {
      if (buf.length > maxBytes) break;
      const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
      buf.copy(bigger, 0, 0, total);
      buf = bigger;
    }
    const into = buf;
    const bytesRead = await new Promise<number>((done, fail) =>
      read(fd, into, total, into.length - total, null, (error, n) => (error ? fail(error) : done(n))),
    );
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  if (total > maxBytes) return { kind: "too-large", size: Math.max(statSize, total) };
  return { kind: "file", bytes: buf.subarray(0, total) };
}

/**
 * readUserFile without the event loop, for a command that reads thousands of small files one
 * after the other (`check DIR`): each async step is a round trip through libuv's thread pool,
 * which costs more than reading a manifest. Same guards, same answers.
 */
export function readUserFileSync(path: string, options: ReadUserFileOptions): UserFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw openFailed(error, options);
  }
  try {
    const info = fstatSync(fd);
    const early = notReadable(info, options);
    if (early) return early;
    const maxBytes = options.maxBytes;
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(info.size + 1, 4 * 1024)));
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (buf.length > maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const bytesRead = readSync(fd, buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > maxBytes) return { kind: "too-large", size: Math.max(info.size, total) };
    return { kind: "file", bytes: buf.subarray(0, total) };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** The error for a path that could not be opened; opening a Unix socket fails with ENXIO. */
function openFailed(error: unknown, options: ReadUserFileOptions): unknown {
  if ((error as { code?: string }).code === "ENXIO") return notAFile(options.shown, "a socket");
  return options.cannotOpen ? options.cannotOpen(error) : error;
}

/** What an opened path is when its bytes are not to be read (a folder, too large); throws for devices, pipes, sockets. */
function notReadable(info: Stats, options: ReadUserFileOptions): UserFile | undefined {
  if (info.isDirectory()) return { kind: "folder" };
  if (!info.isFile()) throw notAFile(options.shown, describeType(info));
  if (info.size > options.maxBytes) return { kind: "too-large", size: info.size };
  return undefined;
}

function describeType(info: Stats): string {
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

function notAFile(shown: string, what: string): SlipwayError {
  return new SlipwayError("INPUT_NOT_A_FILE", `${shown} is ${what}, not a regular file`, {
    location: { file: shown, path: [] },
    hint: "Pass a regular file; slipway does not read devices, pipes or sockets (check a stream with `slipway check -` instead).",
  });
}
