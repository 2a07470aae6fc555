import { describe, expect, it } from "vitest";
import { channelMessage, execChannel, execOutcome, execQuery, splitChannel } from "./exec-protocol.js";

const failure = (reason: string, message: string, causes?: unknown[]) =>
  JSON.stringify({ metadata: {}, status: "Failure", message, reason, ...(causes ? { details: { causes } } : {}) });

describe("execOutcome", () => {
  it("Success is exit 0", () => {
    expect(execOutcome(JSON.stringify({ metadata: {}, status: "Success" }))).toEqual({ kind: "exited", exitCode: 0 });
  });

  it("NonZeroExitCode takes the code from the ExitCode cause", () => {
    const text = failure(
      "NonZeroExitCode",
      "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
      [{ reason: "ExitCode", message: "3" }],
    );
    expect(execOutcome(text)).toEqual({ kind: "exited", exitCode: 3 });
  });

  it("reads kwok's InternalError wrapping Go's `exit status N` as exit N", () => {
    const text = failure(
      "InternalError",
      "Internal error occurred: error executing command in container: cmd wait: sh -c exit 7: exit status 7",
    );
    expect(execOutcome(text)).toEqual({ kind: "exited", exitCode: 7 });
  });

  it("any other failure is reported with its message and reason", () => {
    const text = failure("InternalError", 'Internal error occurred: exec: "nope": executable file not found in $PATH');
    expect(execOutcome(text)).toEqual({
      kind: "failed",
      reason: "InternalError",
      message: 'Internal error occurred: exec: "nope": executable file not found in $PATH',
    });
  });

  it("no status at all is undefined; text that is not JSON is a failure", () => {
    expect(execOutcome("")).toBeUndefined();
    expect(execOutcome("  ")).toBeUndefined();
    expect(execOutcome("container not found")).toEqual({ kind: "failed", message: "container not found" });
  });
});

describe("channel messages", () => {
  it("prefixes data with the channel byte and splits it back", () => {
    const message = channelMessage(execChannel.stdin, Buffer.from("ls\n"));
    expect([...message]).toEqual([0, 0x6c, 0x73, 0x0a]);
    expect(splitChannel(Buffer.from([2, 0x65]))).toEqual({ channel: 2, data: Buffer.from([0x65]) });
    expect(splitChannel(Buffer.alloc(0))).toBeUndefined();
  });

  it("v5 closes stdin with [255, 0]", () => {
    expect([...channelMessage(execChannel.close, Uint8Array.of(execChannel.stdin))]).toEqual([255, 0]);
  });
});

describe("execQuery", () => {
  it("repeats `command` per argument and names the streams", () => {
    const q = new URLSearchParams(execQuery({ command: ["sh", "-c", "echo a b"], container: "web", stdin: true, tty: false }));
    expect(q.getAll("command")).toEqual(["sh", "-c", "echo a b"]);
    expect(Object.fromEntries([...q].filter(([k]) => k !== "command"))).toEqual({
      container: "web",
      stdin: "true",
      stdout: "true",
      stderr: "true",
      tty: "false",
    });
  });

  it("asks for no separate stderr with a tty", () => {
    const q = new URLSearchParams(execQuery({ command: ["bash"], stdin: true, tty: true }));
    expect(q.get("stderr")).toBe("false");
    expect(q.has("container")).toBe(false);
  });
});
