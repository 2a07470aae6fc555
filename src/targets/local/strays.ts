/*
 * Processes of one local environment recognised by what they are, not by slipway's records of them:
 * after `rm -rf .slipway` (or an edited history record) the proxy, the app's instances and the
 * database server keep running with nothing on disk that names them. `down` and the next deploy
 * find them here and stop them with `stopProcess` (pid and start time).
 */
import { join, resolve } from "node:path";
import { isInside, listProcesses, type ProcessFacts } from "../../effects/process-scan.js";

export interface EnvironmentIdentity {
  /** `.slipway/<environment>` of the project. */
  stateDir: string;
  app: string;
  environment: string;
}

export interface EnvironmentProcess {
  pid: number;
  startTime: string;
  kind: "instance" | "daemon";
}

/**
 * This environment's processes:
 * - instances: session leaders (slipway starts them detached) whose working folder is one of the
 *   environment's release folders (`<stateDir>/releases/N/app`, deleted or not) and whose own
 *   environment says SLIPWAY_APP and SLIPWAY_ENVIRONMENT of this app and environment;
 * - daemons (with `include: "all"`): session leaders with an argument that is a path inside the
 *   state folder (the proxy's `--state <stateDir>/proxy`, PostgreSQL's `-D <stateDir>/postgres/data`,
 *   MariaDB's `--datadir=…`).
 * Only processes of this user count (of any user when slipway runs as root: its database servers
 * run as their own users).
 */
export async function environmentProcesses(id: EnvironmentIdentity, include: "instances" | "all"): Promise<EnvironmentProcess[]> {
  const stateDir = resolve(id.stateDir);
  const releasesDir = join(stateDir, "releases");
  const me = process.getuid?.();
  const found: EnvironmentProcess[] = [];
  for (const facts of await listProcesses()) {
    if (facts.sid !== facts.pid || (me !== undefined && me !== 0 && facts.uid !== me)) continue;
    if (isInstance(facts, releasesDir, id)) found.push({ pid: facts.pid, startTime: facts.startTime, kind: "instance" });
    else if (include === "all" && namesPathInside(facts, stateDir))
      found.push({ pid: facts.pid, startTime: facts.startTime, kind: "daemon" });
  }
  return found;
}

function isInstance(facts: ProcessFacts, releasesDir: string, id: EnvironmentIdentity): boolean {
  if (facts.cwd === undefined || !isInside(facts.cwd, releasesDir) || facts.cwd === releasesDir) return false;
  const env = facts.environment();
  return env.SLIPWAY_APP === id.app && env.SLIPWAY_ENVIRONMENT === id.environment;
}

function namesPathInside(facts: ProcessFacts, stateDir: string): boolean {
  return facts.argv.slice(1).some((arg) => {
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : arg;
    return value.startsWith("/") && isInside(value, stateDir);
  });
}
