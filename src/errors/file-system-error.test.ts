import { describe, expect, it } from "vitest";
import { fileSystemError } from "./file-system-error.js";

const errno = (code: string, syscall?: string, path?: string) =>
  Object.assign(new Error(`${code}: ${syscall}`), { code, ...(syscall ? { syscall } : {}), ...(path ? { path } : {}) });

describe("fileSystemError", () => {
  it("a full disk: FS_NO_SPACE, exit 1, with the path and where to look", () => {
    const e = fileSystemError(errno("ENOSPC", "open", "/srv/shop/.slipway/local/history/000003.json"));
    expect(e).toMatchObject({ code: "FS_NO_SPACE", exitCode: 1, location: { file: "/srv/shop/.slipway/local/history/000003.json" } });
    expect(e?.message).toBe("cannot open /srv/shop/.slipway/local/history/000003.json: no space left on the device (ENOSPC, open)");
    expect(e?.hint).toContain("df -h /srv/shop/.slipway/local/history/000003.json");
  });

  it("a write without a path names the stream it went to, or says 'a file'", () => {
    expect(fileSystemError(errno("ENOSPC", "write"), "standard output")?.message).toBe(
      "cannot write standard output: no space left on the device (ENOSPC, write)",
    );
    const bare = fileSystemError(errno("ENOSPC", "write"));
    expect(bare?.message).toBe("cannot write a file: no space left on the device (ENOSPC, write)");
    expect(bare?.location).toBeUndefined();
    expect(bare?.hint).toMatch(/df -h shows/);
  });

  it("quota, read-only, permission and I/O errors each get their code", () => {
    expect(fileSystemError(errno("EDQUOT", "write"))?.code).toBe("FS_NO_SPACE");
    expect(fileSystemError(errno("EROFS", "mkdir", "/ro/.slipway"))?.message).toBe(
      "cannot create /ro/.slipway: the file system is read-only (EROFS, mkdir)",
    );
    expect(fileSystemError(errno("EACCES", "open", "/etc/shadow"))).toMatchObject({ code: "FS_PERMISSION_DENIED", exitCode: 1 });
    expect(fileSystemError(errno("EACCES", "open", "/etc/shadow"))?.hint).toContain("ls -ld /etc/shadow");
    expect(fileSystemError(errno("EPERM", "unlink", "/x/y"))?.message).toBe("cannot remove /x/y: operation not permitted (EPERM, unlink)");
    expect(fileSystemError(errno("EIO", "read", "/x"))?.code).toBe("FS_IO_ERROR");
    expect(fileSystemError(errno("EMFILE", "open", "/x"))?.hint).toContain("ulimit -n");
  });

  it("recursive mkdir's ENOENT on a read-only file system is FS_READ_ONLY; other ENOENTs are not mapped", () => {
    expect(fileSystemError(errno("ENOENT", "mkdir", "/ro/.slipway"))?.code).toBe("FS_READ_ONLY");
    expect(fileSystemError(errno("ENOENT", "open", "/missing"))).toBeUndefined();
  });

  it("access errors of processes and sockets are not file-system errors", () => {
    expect(fileSystemError(errno("EACCES", "spawn /usr/local/bin/app", "/usr/local/bin/app"))).toBeUndefined();
    expect(fileSystemError(errno("EACCES", "listen"))).toBeUndefined();
    expect(fileSystemError(errno("EPERM", "kill"))).toBeUndefined();
    expect(fileSystemError(errno("EACCES"))).toBeUndefined();
  });

  it("anything else is left alone", () => {
    for (const value of [undefined, null, "ENOSPC", 28, new Error("ENOSPC"), { code: 28 }, errno("ECONNREFUSED", "connect")])
      expect(fileSystemError(value)).toBeUndefined();
  });
});
