import { mkdir, rm } from "node:fs/promises";
import type { Host } from "./host.js";
import { listProcesses, processFacts } from "./process-scan.js";
import {
  freePort,
  httpProbe,
  isAlive,
  processStartTime,
  runCommand,
  spawnDetached,
  stopProcess,
  tailFile,
  waitForPort,
} from "./processes.js";
import { exists } from "./snapshot.js";
import { readTextIfExists, writeFileAtomic } from "./state-files.js";

/** This machine as a `Host`: the effects slipway runs here, through /proc and node's own I/O. */
export const localHost: Host = {
  run: runCommand,
  start: spawnDetached,
  stop: stopProcess,
  isAlive: async (identity) => isAlive(identity.pid, identity.startTime),
  startTimeOf: async (pid) => processStartTime(pid),
  listProcesses,
  processFacts: async (pid) => processFacts(pid),
  uid: process.getuid?.(),

  writeFileAtomic,
  readText: readTextIfExists,
  tail: tailFile,
  exists,
  makeDir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  remove: (path) => rm(path, { recursive: true, force: true }),

  freePort: () => freePort(),
  waitForPort,
  httpGet: httpProbe,
};
