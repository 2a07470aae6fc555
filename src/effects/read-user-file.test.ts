import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import { type ReadUserFileOptions, readUserFile, readUserFileSync } from "./read-user-file.js";

const readers = {
  readUserFile,
  readUserFileSync: async (path: string, options: ReadUserFileOptions) => readUserFileSync(path, options),
};

describe.each(Object.entries(readers))("%s", (_name, readUserFile) => {
  const dir = mkdtempSync(join(tmpdir(), "slipway-read-"));
  const read = (path: string, maxBytes = 1024) => readUserFile(path, { maxBytes, shown: path });

  async function refusal(path: string): Promise<SlipwayError> {
    const error = await read(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlipwayError);
    const e = error as SlipwayError;
    expect(e.code).toBe("INPUT_NOT_A_FILE");
    expect(e.exitCode).toBe(2);
    expect(e.location?.file).toBe(path);
    expect(e.hint).toBeTruthy();
    return e;
  }

  describe("guards", () => {
    const servers: Server[] = [];
    afterAll(() => {
      for (const s of servers) s.close();
    });

    it("reads a regular file, also through a symlink", async () => {
      writeFileSync(join(dir, "a.yaml"), "name: a\n");
      symlinkSync(join(dir, "a.yaml"), join(dir, "link.yaml"));
      for (const path of [join(dir, "a.yaml"), join(dir, "link.yaml")]) {
        const r = await read(path);
        expect(r.kind === "file" && r.bytes.toString()).toBe("name: a\n");
      }
    });

    it("refuses a symlink to /dev/zero without reading it (it grew to 9.3 GB before)", async () => {
      symlinkSync("/dev/zero", join(dir, "zero.yaml"));
      expect((await refusal(join(dir, "zero.yaml"))).message).toContain("a character device");
    });

    it("refuses a FIFO nobody writes to, at once instead of waiting forever", async () => {
      const fifo = join(dir, "pipe.yaml");
      execFileSync("mkfifo", [fifo]);
      expect((await refusal(fifo)).message).toContain("FIFO");
    });

    it("refuses a Unix socket", async () => {
      const path = join(dir, "sock.yaml");
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(path, resolve));
      expect((await refusal(path)).message).toContain("socket");
    });

    it("reports a folder and a file over the cap without reading them", async () => {
      mkdirSync(join(dir, "folder"));
      expect(await read(join(dir, "folder"))).toEqual({ kind: "folder" });
      writeFileSync(join(dir, "big.yaml"), Buffer.alloc(5000, 0x61));
      expect(await read(join(dir, "big.yaml"))).toEqual({ kind: "too-large", size: 5000 });
    });

    it("enforces the cap while reading, whatever size the file reports (/proc files report 0)", async () => {
      const r = await read("/proc/self/maps", 100);
      expect(r).toEqual({ kind: "too-large", size: 101 });
    });

    it("a path that cannot be opened gets the caller's error", async () => {
      const error = await readUserFile(join(dir, "missing.yaml"), {
        maxBytes: 10,
        shown: "missing.yaml",
        cannotOpen: () => new SlipwayError("SPEC_NOT_FOUND", "no spec"),
      }).catch((e: unknown) => e);
      expect((error as SlipwayError).code).toBe("SPEC_NOT_FOUND");
    });
  });
});
