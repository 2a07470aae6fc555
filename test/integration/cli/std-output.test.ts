import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/examples.js";

// The CLI writes fd 1 and 2 with write(2) (src/cli/std-output.ts) instead of process.stdout: a
// write larger than a pipe holds must arrive whole and in order while the reader is slow (partial
// writes continue, EAGAIN on a non-blocking pipe is retried).
const module = join(repoRoot, "dist/cli/std-output.js");

describe("fd output", () => {
  it("delivers 4 MB through a non-blocking pipe to a slow reader, every byte in order", async () => {
    const script = `
      const { fdOutput } = await import(${JSON.stringify(module)});
      // Creating process.stdout on a pipe makes fd 1 non-blocking (libuv): the writer then meets
      // EAGAIN whenever the pipe is full, as it does when a command also streams through it.
      if (!process.stdout.writable) process.exit(3);
      const out = fdOutput(1);
      for (let i = 0; i < 4096; i++) out.write(String(i).padStart(8, "0").repeat(128) + "\\n".slice(0, i % 2) + "é".repeat(i % 3));
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    const hash = createHash("sha256");
    let bytes = 0;
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    for await (const chunk of child.stdout) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes < 256 * 1024) await sleep(20); // slow at first, so the writer finds the pipe full
    }
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    let expected = "";
    for (let i = 0; i < 4096; i++) expected += String(i).padStart(8, "0").repeat(128) + "\n".slice(0, i % 2) + "é".repeat(i % 3);
    expect(bytes).toBe(Buffer.byteLength(expected));
    expect(hash.digest("hex")).toBe(createHash("sha256").update(expected).digest("hex"));
  });

  it("says whether the descriptor is a terminal without creating process.stdout", async () => {
    const script = `
      const { fdOutput } = await import(${JSON.stringify(module)});
      const tty = fdOutput(1).isTTY;
      // process.stdout is still Node's lazy getter: nothing created the stream.
      const getterIntact = typeof Object.getOwnPropertyDescriptor(process, "stdout").get === "function";
      process.getBuiltinModule("node:fs").writeSync(2, JSON.stringify({ tty, getterIntact }));
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise((resolve) => child.on("close", resolve));
    expect(JSON.parse(stderr)).toEqual({ tty: false, getterIntact: true });
  });
});
