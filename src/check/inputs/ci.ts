import type { CiSubject, KubeData, Origin } from "../types.js";
import type { InputProblem } from "./kubernetes.js";
import { parseYamlStream } from "./yaml-documents.js";

/** A GitHub Actions workflow or a .gitlab-ci.yml. */
export function ciFromText(
  text: string,
  origin: Origin,
  system: CiSubject["system"],
): { subject: CiSubject | undefined; problems: InputProblem[] } {
  const stream = parseYamlStream(text);
  const problems: InputProblem[] = stream.errors.map((e) => ({ line: e.line, message: `YAML syntax: ${e.message} (column ${e.col})` }));
  const doc = stream.documents[0];
  if (!doc) return { subject: undefined, problems };
  if (typeof doc.data !== "object" || doc.data === null || Array.isArray(doc.data)) {
    problems.push({ line: doc.line, message: `a ${system === "github-actions" ? "workflow" : "GitLab CI file"} must be a mapping` });
    return { subject: undefined, problems };
  }
  return { subject: { origin, system, data: doc.data as KubeData, locate: doc.locate, lines: text.split("\n") }, problems };
}
