/*
 * Processes as the effects start them: detached ones outlive the slipway process that started them,
 * so a deploy that is killed leaves the running release serving.
 */

/** A process started detached from slipway (own session, stdio to a log file). */
export interface DetachedProcess {
  pid: number;
  logFile: string;
  /**
   * The kernel's start time of the process (Linux `/proc/<pid>/stat` field 22), to tell it from a later
   * process that reuses the pid (after a reboot, say). Undefined where /proc is missing.
   */
  startTime?: string;
}

export interface SpawnRequest {
  /** The program and its arguments; the program is looked up on `env.PATH`. */
  command: readonly string[];
  cwd: string;
  /** The complete environment of the process: nothing is inherited from slipway's own. */
  env: Readonly<Record<string, string>>;
  /** stdout and stderr are appended here (created 0640 if missing). */
  logFile: string;
  /** Where to write the pid (and start time) once started. */
  pidFile?: string;
  /** Run as this user (needs root): database servers run as `postgres` / `mysql`. */
  runAs?: { uid: number; gid: number };
}

/** How a process ended: an exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
}
