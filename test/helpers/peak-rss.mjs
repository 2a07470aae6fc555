// Preloaded with `node --import` into a CLI process under test: at exit, writes the process's peak
// resident set size (VmHWM, in kB, as the kernel counted it) to the file named by
// SLIPWAY_TEST_PEAK_RSS_FILE. Test-only; the CLI itself knows nothing of it.
import { readFileSync, writeFileSync } from "node:fs";

const out = process.env.SLIPWAY_TEST_PEAK_RSS_FILE;
if (out) {
  process.on("exit", () => {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    writeFileSync(out, match ? match[1] : "");
  });
}
