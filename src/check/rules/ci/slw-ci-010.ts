import type { CiRule } from "../../types.js";
import { ghaRuns, gitlabJobs, gitlabScripts } from "./helpers.js";

const piped = /\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/;

export const slwCi010: CiRule = {
  id: "SLW-CI-010",
  area: "ci",
  title: "Remote script piped to a shell",
  severity: "medium",
  category: "security",
  rationale: "curl … | sh in CI runs whatever the server returns, unverified, with the job's secrets in the environment.",
  remediation: "Download a pinned version, verify its checksum, then run it — or use a pinned action/image that ships the tool.",
  snippet: 'curl -fsSLo tool.tgz https://example.com/tool-1.2.3.tgz\necho "<sha256>  tool.tgz" | sha256sum -c -',
  peers: {},
  *check(ci) {
    for (const r of ghaRuns(ci)) if (piped.test(r.text)) yield { message: "a downloaded script is piped into a shell", path: r.path };
    for (const job of gitlabJobs(ci))
      for (const l of gitlabScripts(job))
        if (piped.test(l.text)) yield { message: `job ${job.id} pipes a downloaded script into a shell`, path: l.path };
  },
};
