import type { CiRule } from "../../types.js";
import { ghaRuns, gitlabJobs, gitlabScripts } from "./helpers.js";

const netcat = /(?:^|[\s;&|("'])(?:nc|ncat|netcat)(?:\.\w+)?\s+([^\n;&|]*)/g;
const ipv4 = /\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/;

/** Loopback, private, link-local and unspecified addresses: a CI job waiting for its own services. */
function internal(a: number, b: number): boolean {
  return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** Why a netcat call looks like a reverse shell or a data channel, or undefined. */
export function netcatProblem(line: string): string | undefined {
  for (const m of line.matchAll(netcat)) {
    const args = m[1] ?? "";
    if (/(^|\s)(-[a-zA-Z]*[ec]\b|--exec|--sh-exec|--lua-exec)/.test(args)) return "runs a program on a netcat connection";
    const ip = ipv4.exec(args);
    if (ip && !internal(Number(ip[1]), Number(ip[2]))) return `opens a netcat connection to ${ip[0]}`;
  }
  return undefined;
}

export const slwCi014: CiRule = {
  id: "SLW-CI-014",
  area: "ci",
  title: "Netcat to a public address or with a shell",
  severity: "high",
  category: "security",
  rationale:
    "netcat with -e/-c, or to a raw public IP address, is how a compromised dependency or a malicious pull request opens a reverse shell or ships the job's secrets out; a build has no need for it.",
  remediation: "Remove it; wait for local services with nc -z localhost PORT or the service's own health command.",
  snippet: "- run: until nc -z 127.0.0.1 5432; do sleep 1; done",
  peers: {
    checkov: [
      {
        id: "CKV_GHA_4",
        relation: "looser",
        note: "loopback and private addresses pass (CI waits for its own services with nc -z 127.0.0.1); netcat with -e/-c to a host name is flagged in addition",
      },
    ],
  },
  *check(ci) {
    for (const r of ghaRuns(ci)) {
      const problem = netcatProblem(r.text);
      if (problem) yield { message: `a run step ${problem}`, path: r.path };
    }
    for (const job of gitlabJobs(ci))
      for (const l of gitlabScripts(job)) {
        const problem = netcatProblem(l.text);
        if (problem) yield { message: `job ${job.id} ${problem}`, path: l.path };
      }
  },
};
