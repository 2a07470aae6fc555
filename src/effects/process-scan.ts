/*
 * What /proc says about running processes, to recognise the ones slipway started when its own
 * records of them are gone (a deleted .slipway folder, an edited history record): their arguments,
 * working folder, environment and owner. Linux only; elsewhere nothing is found.
 */
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { processStartTime } from "./processes.js";

export interface ProcessFacts {
  pid: number;
  /** The kernel's start time, to signal it only while it is still this process (`stopProcess`'s `startTime`). */
  startTime: string;
  uid: number;
  /** Session id: slipway starts its daemons and instances as session leaders (sid = pid). */
  sid: number;
  argv: string[];
  /** The working folder, without the kernel's ` (deleted)` mark; undefined when it cannot be read. */
  cwd: string | undefined;
  /** Whether the working folder has been deleted. */
  cwdDeleted: boolean;
  /** Reads the process's environment (only for processes of the same user, or as root). */
  environment(): Record<string, string>;
}

/** Facts about one process; undefined when it is gone, a zombie, or not visible. */
export function processFacts(pid: number): ProcessFacts | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const sid = Number(fields[3]);
  const startTime = processStartTime(pid);
  if (state === "Z" || state === "X" || startTime === undefined) return undefined;
  let uid: number;
  let argv: string[];
  try {
    uid = statSync(`/proc/${pid}`).uid;
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined;
  }
  if (argv.at(-1) === "") argv.pop();
  let cwd: string | undefined;
  let cwdDeleted = false;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
    if (cwd.endsWith(" (deleted)")) {
      cwd = cwd.slice(0, -" (deleted)".length);
      cwdDeleted = true;
    }
  } catch {
    cwd = undefined;
  }
  const environment = (): Record<string, string> => {
    try {
      const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      return Object.fromEntries(
        entries.filter((e) => e.includes("=")).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
      );
    } catch {
      return {};
    }
  };
  return { pid, startTime, uid, sid, argv, cwd, cwdDeleted, environment };
}

/** Facts about every visible process but this one. */
export async function listProcesses(): Promise<ProcessFacts[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const out: ProcessFacts[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const facts = processFacts(Number(entry));
    if (facts) out.push(facts);
  }
  return out;
}

/** Whether `path` is `dir` or inside it. */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}
