/*
 * A host: the machine a target's processes, files and ports are on. The local target does all its
 * process, file and port work through one, so a target on another machine (over SSH) is a second
 * implementation of this interface rather than a copy of the local target. `localHost`
 * (local-host.ts) is this machine.
 *
 * Paths are the host's own, absolute. Commands are argv arrays with a complete environment: nothing
 * is inherited from slipway's own, and no shell reads them.
 */
import type { ProcessFacts } from "./process-scan.js";
import type { ProcessExit, SpawnRequest } from "./process-types.js";
import type {
  HttpProbeResult,
  PortWait,
  ProcessIdentity,
  RunCommandRequest,
  RunCommandResult,
  SpawnedProcess,
  StopOptions,
  StopResult,
  WaitForPortOptions,
} from "./processes.js";

export type { ProcessExit, ProcessFacts, ProcessIdentity, SpawnRequest };

export interface Host {
  /** Runs a command to completion, streaming its lines; a non-zero exit is a result. Throws LOCAL_PROCESS_START_FAILED when it cannot start. */
  run(request: RunCommandRequest): Promise<RunCommandResult>;
  /** Starts a command detached (own session, output to its log file) and returns its identity: pid and start time. */
  start(request: SpawnRequest): Promise<SpawnedProcess>;
  /**
   * Stops a process by identity: SIGTERM, then SIGKILL after the grace period, with its process
   * group; nothing is sent unless the pid still has the recorded start time.
   */
  stop(process: ProcessIdentity | SpawnedProcess, options?: StopOptions): Promise<StopResult>;
  /** Whether the process runs; with a start time, whether it is still that process (not a reused pid). */
  isAlive(process: ProcessIdentity): Promise<boolean>;
  /** The start time of the process that has `pid` now; undefined when none runs. */
  startTimeOf(pid: number): Promise<string | undefined>;
  /** Facts about every visible process (arguments, working folder, environment), to recognise the ones slipway started. */
  listProcesses(): Promise<ProcessFacts[]>;
  /** Facts about one process; undefined when it is gone. */
  processFacts(pid: number): Promise<ProcessFacts | undefined>;
  /** The user id slipway acts as on the host (root sees every user's processes). Undefined where there are no user ids. */
  readonly uid: number | undefined;

  /** Replaces a file in one step: a reader sees the old content or the new, never half. `mode` default 0644. */
  writeFileAtomic(path: string, content: string, mode?: number): Promise<void>;
  /** A file's text; undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** The last `lines` lines of a text file; [] when there is none. */
  tail(path: string, lines: number): Promise<string[]>;
  /** Whether a file or folder exists. */
  exists(path: string): Promise<boolean>;
  /** Makes a folder and its parents. */
  makeDir(path: string): Promise<void>;
  /** Removes a file or folder with everything in it; nothing when it does not exist. */
  remove(path: string): Promise<void>;

  /** A loopback port that is free right now. */
  freePort(): Promise<number>;
  /** Waits until host:port accepts connections; fails fast when the process that should open it is gone. */
  waitForPort(port: number, options: WaitForPortOptions): Promise<PortWait>;
  /** One GET on a fresh connection, from the host itself (loopback addresses are the host's). Never throws. */
  httpGet(url: string, timeoutMs: number, headers?: Readonly<Record<string, string>>): Promise<HttpProbeResult>;
}
