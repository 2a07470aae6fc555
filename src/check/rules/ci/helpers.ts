import { isRecord } from "../../inputs/kubernetes.js";
import type { CiSubject, DocPath, KubeData } from "../../types.js";

export interface GhaJob {
  id: string;
  job: KubeData;
  path: DocPath;
}

export interface GhaStep {
  job: GhaJob;
  step: KubeData;
  path: DocPath;
}

export function ghaJobs(ci: CiSubject): GhaJob[] {
  if (ci.system !== "github-actions" || !isRecord(ci.data.jobs)) return [];
  return Object.entries(ci.data.jobs)
    .filter(([, job]) => isRecord(job))
    .map(([id, job]) => ({ id, job: job as KubeData, path: ["jobs", id] }));
}

export function ghaSteps(ci: CiSubject): GhaStep[] {
  return ghaJobs(ci).flatMap((job) =>
    (Array.isArray(job.job.steps) ? job.job.steps : []).flatMap((step, i) =>
      isRecord(step) ? [{ job, step, path: [...job.path, "steps", i] }] : [],
    ),
  );
}

/** The events a workflow runs on. `on` may be parsed as the key `true` by YAML 1.1 readers. */
export function ghaEvents(ci: CiSubject): string[] {
  const on = ci.data.on ?? ci.data.true;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  if (isRecord(on)) return Object.keys(on);
  return [];
}

const gitlabReserved = new Set([
  "image",
  "services",
  "stages",
  "types",
  "before_script",
  "after_script",
  "variables",
  "cache",
  "include",
  "default",
  "workflow",
  "pages:deploy",
]);

export interface GitlabJob {
  id: string;
  job: KubeData;
  path: DocPath;
}

export function gitlabJobs(ci: CiSubject): GitlabJob[] {
  if (ci.system !== "gitlab-ci") return [];
  return Object.entries(ci.data)
    .filter(([id, job]) => !gitlabReserved.has(id) && !id.startsWith(".") && isRecord(job))
    .map(([id, job]) => ({ id, job: job as KubeData, path: [id] }));
}

/** Script lines of a GitLab job (before_script, script, after_script). */
export function gitlabScripts(job: GitlabJob): { text: string; path: DocPath }[] {
  const out: { text: string; path: DocPath }[] = [];
  for (const key of ["before_script", "script", "after_script"]) {
    const v = job.job[key];
    const lines = typeof v === "string" ? [v] : Array.isArray(v) ? v : [];
    lines.forEach((line, i) => {
      if (typeof line === "string") out.push({ text: line, path: [...job.path, key, ...(typeof v === "string" ? [] : [i])] });
    });
  }
  return out;
}

/** Every `run:` script of a workflow with its path. */
export function ghaRuns(ci: CiSubject): { text: string; path: DocPath; step: GhaStep }[] {
  return ghaSteps(ci)
    .filter((s) => typeof s.step.run === "string")
    .map((s) => ({ text: s.step.run as string, path: [...s.path, "run"], step: s }));
}

/** Whether a job looks like a production deployment. */
export function looksLikeProductionDeploy(id: string, job: KubeData): boolean {
  const text = JSON.stringify(job);
  const deploys =
    /deploy|release|rollout|apply|promote/i.test(id) ||
    /\b(helm upgrade|kubectl apply|slipway deploy|terraform apply|aws ecs update-service|kamal deploy)\b/.test(text);
  const production = /(^|[^a-z])(prod|production)([^a-z]|$)/i.test(id) || /(^|[^a-z])(prod|production)([^a-z]|$)/i.test(text);
  return deploys && production;
}
