/*
 * The one orphan detector of the local target: the processes of one local environment, recognised by
 * what they are, not by slipway's records of them. After a deploy killed between starting a process
 * and recording it, after `rm -rf .slipway` or an edited history record, the proxy, the app's
 * instances, a migration and the database server keep running with nothing on disk that names them.
 * Recover, the switch, and `down` find them here and stop them by identity (pid and start time).
 */
import { join, resolve } from "node:path";
import type { Host, ProcessFacts } from "../../effects/host.js";
import { localHost } from "../../effects/local-host.js";
import { isInside } from "../../effects/process-scan.js";
import type { ReleaseRecord } from "../../model/release-record.js";
import { releaseMarker, releaseRoleMarker } from "./commands.js";
import { instancesOf } from "./instances.js";

export interface EnvironmentIdentity {
  /** `.slipway/<environment>` of the project. */
  stateDir: string;
  /** The app and environment; without them, instances are recognised only by their release marker. */
  app?: string;
  environment?: string;
}

export interface EnvironmentProcess {
  pid: number;
  startTime: string;
  /** `instance`: serves the app; `phase`: a deploy's prepare, setup or migrate; `daemon`: the proxy or a database server. */
  kind: "instance" | "phase" | "daemon";
  /** The release it belongs to, when its marker or working folder says. */
  revision: number | undefined;
  /** `marker`: it carries `SLIPWAY_RELEASE_DIR` of this environment; `shape`: recognised by its folder, environment or arguments. */
  by: "marker" | "shape";
  /** Whether it leads its own session (slipway starts every process it runs that way; a child of one does not). */
  leader: boolean;
}

/**
 * Which of this environment's processes `facts` is, if any. Pure. In order:
 * - a process (of any depth) whose `SLIPWAY_RELEASE_DIR` is a release folder of this environment: an
 *   instance when its role is `web`, a phase otherwise;
 * - a session leader whose working folder is inside a release folder (`<stateDir>/releases/N/app`,
 *   deleted or not) and whose environment names this app and environment: an instance;
 * - a session leader with an argument that is a path inside the state folder (the proxy's
 *   `--state <stateDir>/proxy`, PostgreSQL's `-D <stateDir>/postgres/data`, MariaDB's `--datadir=…`): a daemon.
 * Only processes of user `uid` count (of any user when `uid` is 0: the database servers run as their own users).
 */
export function classifyProcess(facts: ProcessFacts, id: EnvironmentIdentity, uid: number | undefined): EnvironmentProcess | undefined {
  if (uid !== undefined && uid !== 0 && facts.uid !== uid) return undefined;
  const stateDir = resolve(id.stateDir);
  const releasesDir = join(stateDir, "releases");
  const leader = facts.sid === facts.pid;
  const found = (kind: EnvironmentProcess["kind"], revision: number | undefined, by: EnvironmentProcess["by"]): EnvironmentProcess => ({
    pid: facts.pid,
    startTime: facts.startTime,
    kind,
    revision,
    by,
    leader,
  });
  const env = facts.environment();
  const marked = revisionIn(env[releaseMarker], releasesDir);
  if (marked !== undefined) return found(env[releaseRoleMarker] === "web" ? "instance" : "phase", marked, "marker");
  if (!leader) return undefined;
  if (
    id.app !== undefined &&
    facts.cwd !== undefined &&
    facts.cwd !== releasesDir &&
    isInside(facts.cwd, releasesDir) &&
    env.SLIPWAY_APP === id.app &&
    env.SLIPWAY_ENVIRONMENT === id.environment
  )
    return found("instance", revisionIn(facts.cwd, releasesDir), "shape");
  if (namesPathInside(facts.argv, stateDir)) return found("daemon", undefined, "shape");
  return undefined;
}

/** The revision of a path `<releasesDir>/<revision>` or inside it; undefined otherwise. */
function revisionIn(path: string | undefined, releasesDir: string): number | undefined {
  if (path === undefined || !path.startsWith(`${releasesDir}/`)) return undefined;
  const first = path.slice(releasesDir.length + 1).split("/")[0] ?? "";
  return /^\d+$/.test(first) ? Number(first) : undefined;
}

function namesPathInside(argv: readonly string[], stateDir: string): boolean {
  return argv.slice(1).some((arg) => {
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : arg;
    return value.startsWith("/") && isInside(value, stateDir);
  });
}

/** Every process of the environment the host runs now, as `classifyProcess` sees them (slipway itself left out). */
export async function scanEnvironment(id: EnvironmentIdentity, host: Host = localHost): Promise<EnvironmentProcess[]> {
  const found: EnvironmentProcess[] = [];
  for (const facts of await host.listProcesses()) {
    const process = classifyProcess(facts, id, host.uid);
    if (process) found.push(process);
  }
  return found;
}

/**
 * This environment's session leaders: its instances, and with `include: "all"` also its phases and
 * daemons (what `down` stops after the recorded processes, the proxy and the database server).
 */
export async function environmentProcesses(
  id: EnvironmentIdentity,
  include: "instances" | "all",
  host: Host = localHost,
): Promise<EnvironmentProcess[]> {
  return (await scanEnvironment(id, host)).filter((p) => p.leader && (include === "all" || p.kind === "instance"));
}

/**
 * Stops every process of the environment's releases except those of `keep`: the instances the
 * records name (each checked by pid and start time), then any process still carrying a release
 * folder of this environment in `SLIPWAY_RELEASE_DIR` (started by a deploy killed before it recorded
 * it). Returns what was stopped, by revision (undefined: a revision no record names).
 *
 * With `spareUnrecordedInstances` (the recover phase), instances of a revision no record names are
 * left alone: after `rm -rf .slipway` they may be what the proxy still serves, and they are retired
 * only once the new release serves and their requests drained (the switch's stray retirement). `down` stops them.
 */
export async function stopReleaseProcesses(
  stateDir: string,
  records: readonly ReleaseRecord[],
  keep: ReadonlySet<number>,
  graceMs: number,
  options: { spareUnrecordedInstances?: boolean; host?: Host } = {},
): Promise<{ revision: number | undefined; pids: number[] }[]> {
  const host = options.host ?? localHost;
  const stopped: { revision: number | undefined; pids: number[] }[] = [];
  const note = (revision: number | undefined, pid: number) => {
    const entry = stopped.find((s) => s.revision === revision);
    if (entry) entry.pids.push(pid);
    else stopped.push({ revision, pids: [pid] });
  };
  const stop = async (revision: number | undefined, identity: { pid: number; startTime?: string | undefined }) => {
    if ((await host.stop(identity, { graceMs })).wasRunning) note(revision, identity.pid);
  };
  for (const record of records) {
    if (keep.has(record.revision)) continue;
    await Promise.all(instancesOf(record.runtime).map((i) => stop(record.revision, i)));
  }
  const known = new Set(records.map((r) => r.revision));
  const strays = (await scanEnvironment({ stateDir }, host)).filter(
    (p): p is EnvironmentProcess & { revision: number } =>
      p.by === "marker" &&
      p.revision !== undefined &&
      !keep.has(p.revision) &&
      !(options.spareUnrecordedInstances && !known.has(p.revision) && p.kind === "instance"),
  );
  await Promise.all(strays.map((p) => stop(known.has(p.revision) ? p.revision : undefined, p)));
  return stopped;
}
