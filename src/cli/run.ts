// bin.ts has turned on the compile cache; load the CLI.
const { main, outputFailed, setWriteErrorHandler } = await import("./main.js");
const interrupted = 130;
process.on("SIGINT", () => process.exit(interrupted));
// `slipway … | head` closes the pipe early: stop quietly, as other command-line tools do. Output to
// a full disk (or /dev/full) is a located error on stderr and exit 1, never a stack trace.
function writeFailed(error: NodeJS.ErrnoException, name: "standard output" | "standard error"): never {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  process.exit(outputFailed(error, name));
}
// Commands write through fd writers (std-output.ts); the few that use process.stdout/stderr
// directly (streamed logs) get the same handling the first time they touch the stream, so a
// command that never does is spared creating it.
setWriteErrorHandler(writeFailed);
for (const [key, name] of [
  ["stdout", "standard output"],
  ["stderr", "standard error"],
] as const) {
  const original = Object.getOwnPropertyDescriptor(process, key);
  const get = original?.get;
  if (!get || !original.configurable) {
    process[key].on("error", (error: NodeJS.ErrnoException) => writeFailed(error, name));
    continue;
  }
  Object.defineProperty(process, key, {
    configurable: true,
    enumerable: original.enumerable ?? true,
    get() {
      const stream = get.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, key, { configurable: true, enumerable: original.enumerable ?? true, value: stream, writable: false });
      stream.on("error", (error: NodeJS.ErrnoException) => writeFailed(error, name));
      return stream;
    },
  });
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`slipway: internal error: ${String(error)}\n`);
    process.exitCode = 70;
  },
);
