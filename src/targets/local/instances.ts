/** A running instance of the app, as a release record's runtime lists it. */
export interface Instance {
  pid: number;
  /** The process's start time, so a recycled pid is never mistaken for ours. */
  startTime: string | undefined;
  port: number;
  logFile: string;
}

/** The instances a release record lists; entries of another shape (an edited record) are left out. */
export function instancesOf(runtime: Record<string, unknown>): Instance[] {
  const listed = runtime.instances;
  if (!Array.isArray(listed)) return [];
  return listed.filter(
    (i): i is Instance =>
      typeof i === "object" &&
      i !== null &&
      Number.isSafeInteger(i.pid) &&
      i.pid > 0 &&
      Number.isSafeInteger(i.port) &&
      typeof i.logFile === "string" &&
      (i.startTime === undefined || i.startTime === null || typeof i.startTime === "string"),
  );
}
