import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import { maxSpecBytes } from "../model/input-limits.js";
import { readUserFileSync } from "./read-user-file.js";

/**
 * Reads a spec file as bytes through the guarded reader: regular files of at most maxSpecBytes.
 * Synchronously: a spec is small, read once before anything else runs, and the async reader's first
 * call starts libuv's thread pool (four threads) that a `render` never needs otherwise
 * (bench/RESULTS.md, start-up round 6).
 */
export async function readSpecBytes(file: string): Promise<Uint8Array> {
  const read = readUserFileSync(file, {
    maxBytes: maxSpecBytes,
    shown: file,
    cannotOpen: (error) =>
      new SlipwayError("SPEC_NOT_FOUND", `cannot read ${file}: ${describeFsError(error)}`, {
        location: { file, path: [] },
        hint: "Run slipway in the folder that holds slipway.yaml, pass -f PATH, or create one with `slipway init`.",
        cause: error,
      }),
  });
  if (read.kind === "folder") {
    throw new SlipwayError("SPEC_NOT_FOUND", `${file} is a folder, not a spec file`, {
      location: { file, path: [] },
      hint: `Pass the file: -f ${join(file, "slipway.yaml")}.`,
    });
  }
  if (read.kind === "too-large") {
    throw new SlipwayError("SPEC_TOO_LARGE", `${file} is ${read.size} bytes; a spec may be at most ${maxSpecBytes} bytes`, {
      location: { file, path: [] },
      hint: "Check that -f points at slipway.yaml and not at a log, archive or build output.",
    });
  }
  return read.bytes;
}

/** Writes files under `dir`, creating folders. Paths must stay inside `dir`. */
export async function writeArtifacts(dir: string, files: readonly { path: string; content: string }[]): Promise<string[]> {
  const root = resolve(dir);
  const written: string[] = [];
  for (const file of files) {
    const target = resolve(root, file.path);
    if (!target.startsWith(`${root}/`)) throw new SlipwayError("INTERNAL", `refusing to write outside ${root}: ${file.path}`);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    } catch (error) {
      throw new SlipwayError("OUTPUT_WRITE_FAILED", `cannot write ${target}: ${describeFsError(error)}`, {
        hint: "Check that the output folder is writable and the disk is not full.",
        cause: error,
      });
    }
    written.push(target);
  }
  return written;
}

export function describeFsError(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a folder";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
