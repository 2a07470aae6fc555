import type { ErrorCode } from "./codes.js";
import { SlipwayError } from "./slipway-error.js";

interface ErrnoLike {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
}

const classes: Record<string, { code: ErrorCode; reason: string; hint: (file: string | undefined) => string }> = {
  ENOSPC: {
    code: "FS_NO_SPACE",
    reason: "no space left on the device",
    hint: (file) =>
      file
        ? `Free space on that disk (df -h ${file} shows how full it is), then run the command again.`
        : "Free space on the disk slipway writes to (df -h shows how full each disk is), then run the command again.",
  },
  EDQUOT: {
    code: "FS_NO_SPACE",
    reason: "the disk quota is used up",
    hint: () => "Free some of your quota (quota -s shows it), then run the command again.",
  },
  EROFS: {
    code: "FS_READ_ONLY",
    reason: "the file system is read-only",
    hint: () => "Run slipway where it can write (a writable project folder, or another --out), or remount the file system read-write.",
  },
  EACCES: {
    code: "FS_PERMISSION_DENIED",
    reason: "permission denied",
    hint: (file) =>
      `Check the owner and mode${file ? ` (ls -ld ${file})` : ""}; run slipway as the user that owns the project, or fix them with chown/chmod.`,
  },
  EPERM: {
    code: "FS_PERMISSION_DENIED",
    reason: "operation not permitted",
    hint: (file) =>
      `Check the owner, mode and attributes${file ? ` (ls -ld ${file}; lsattr ${file})` : ""}; run slipway as the user that owns the project.`,
  },
  EIO: {
    code: "FS_IO_ERROR",
    reason: "input/output error",
    hint: () => "The disk reported an error: check the device (dmesg) before running again.",
  },
  EMFILE: {
    code: "FS_IO_ERROR",
    reason: "too many open files in this process",
    hint: () => "Raise the open-file limit (ulimit -n 4096) and run the command again.",
  },
  ENFILE: {
    code: "FS_IO_ERROR",
    reason: "too many open files on the system",
    hint: () => "Close other programs or raise the system's limit (fs.file-max), then run the command again.",
  },
};

const mkdirFailed = {
  code: "FS_READ_ONLY",
  reason: "the folder could not be created (a read-only file system, or a folder above it was removed)",
  hint: (file: string | undefined) =>
    `Check that ${file ? `the folder above ${file}` : "the project folder"} exists and is writable (mount shows read-only file systems).`,
} as const;

// Access errors also come from spawn, kill and listen; only those of file operations are mapped here.
const fileSyscalls = new Set(
  "open close read write writev fsync fdatasync ftruncate truncate mkdir mkdtemp rmdir rm unlink rename copyfile cp link symlink readlink realpath chmod fchmod chown fchown lchown utime futime lutime stat lstat fstat access opendir scandir readdir watch".split(
    " ",
  ),
);

const verbs: Record<string, string> = {
  open: "open",
  read: "read",
  readdir: "read",
  scandir: "read",
  opendir: "read",
  readlink: "read",
  stat: "access",
  lstat: "access",
  fstat: "access",
  access: "access",
  realpath: "access",
  mkdir: "create",
  mkdtemp: "create",
  unlink: "remove",
  rmdir: "remove",
  rm: "remove",
};

/**
 * A file-system failure (disk full, quota, read-only, permission, I/O) as a located SlipwayError
 * with exit 1, or undefined when `error` is something else. `stream` names the target of a write
 * without a path, such as standard output.
 */
export function fileSystemError(error: unknown, stream?: string): SlipwayError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, syscall, path } = error as ErrnoLike;
  // Node's recursive mkdir reports a read-only file system as ENOENT (every parent exists, or it
  // would have created it), so that ENOENT is the read-only case.
  const known = code === "ENOENT" && syscall === "mkdir" ? mkdirFailed : typeof code === "string" ? classes[code] : undefined;
  if (!known || typeof code !== "string") return undefined;
  const onlyFiles = code === "ENOSPC" || code === "EDQUOT" || code === "EROFS" || known === mkdirFailed;
  if (!onlyFiles && !(typeof syscall === "string" && fileSyscalls.has(syscall))) return undefined;
  const file = typeof path === "string" ? path : undefined;
  const where = file ?? stream;
  const verb = typeof syscall === "string" ? (verbs[syscall] ?? "write") : "write";
  const message = `cannot ${verb} ${where ?? "a file"}: ${known.reason} (${code}${typeof syscall === "string" ? `, ${syscall}` : ""})`;
  return new SlipwayError(known.code, message, {
    hint: known.hint(file),
    cause: error,
    ...(file ? { location: { file, path: [] } } : {}),
  });
}
