import type { DockerfileSubject, DockerInstruction, DockerStage, Origin } from "../types.js";
import type { InputProblem } from "./kubernetes.js";

const keywords = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** Parses a Dockerfile into instructions and stages. Unknown instructions are problems; parsing goes on. */
export function dockerfileFromText(text: string, origin: Origin): { subject: DockerfileSubject | undefined; problems: InputProblem[] } {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const problems: InputProblem[] = [];
  let escapeChar = "\\";
  // Parser directives sit at the very top, before any instruction or other comment.
  for (const line of lines) {
    const m = /^#\s*escape\s*=\s*(\S)\s*$/i.exec(line);
    if (m) {
      escapeChar = m[1] as string;
      continue;
    }
    if (!/^#\s*\w+\s*=/.test(line)) break;
  }
  const instructions: DockerInstruction[] = [];
  let stage = -1;
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) {
      i++;
      continue;
    }
    const start = i;
    let text = raw;
    const parts: string[] = [];
    // Join continuation lines; comment lines inside a continuation are dropped, as Docker does.
    for (;;) {
      const t = text.replace(/\s+$/, "");
      if (t.endsWith(escapeChar) && i + 1 < lines.length) {
        parts.push(t.slice(0, -1));
        i++;
        while (i < lines.length && /^\s*#/.test(lines[i] as string)) i++;
        text = lines[i] ?? "";
        continue;
      }
      parts.push(t);
      break;
    }
    // Heredocs (RUN <<EOF … EOF) run to their terminator.
    const joined = parts.join(" ").trim();
    const heredoc = /<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/.exec(joined);
    let body = joined;
    if (heredoc) {
      const marker = heredoc[1] as string;
      const bodyLines: string[] = [];
      while (i + 1 < lines.length) {
        i++;
        if ((lines[i] as string).trim() === marker) break;
        bodyLines.push(lines[i] as string);
      }
      body = `${joined}\n${bodyLines.join("\n")}`;
    }
    const m = /^(\S+)\s*([\s\S]*)$/.exec(body);
    const keyword = (m?.[1] ?? "").toUpperCase();
    const args = (m?.[2] ?? "").trim();
    if (!keywords.has(keyword)) {
      problems.push({ line: start + 1, message: `unknown Dockerfile instruction '${m?.[1] ?? ""}'` });
      i++;
      continue;
    }
    if (keyword === "FROM") stage++;
    if (stage === -1 && keyword !== "ARG") problems.push({ line: start + 1, message: `${keyword} before the first FROM` });
    const flags = new Map<string, string>();
    let rest = args;
    for (;;) {
      const f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
      if (!f) break;
      flags.set(f[1] as string, f[2] ?? "");
      rest = rest.slice(f[0].length);
    }
    let json: string[] | undefined;
    if (rest.startsWith("[")) {
      try {
        const parsed: unknown = JSON.parse(rest);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) json = parsed;
      } catch {
        json = undefined;
      }
    }
    instructions.push({ keyword, args, flags, rest, json, line: start + 1, endLine: i + 1, stage: Math.max(stage, 0) });
    i++;
  }
  if (!instructions.some((x) => x.keyword === "FROM")) problems.push({ line: 1, message: "no FROM instruction: not a Dockerfile" });
  const stages: DockerStage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.rest);
      stages.push({ from: ins, image: m?.[1] ?? "", alias: m?.[2]?.toLowerCase(), instructions: [] });
    } else {
      const last = stages[stages.length - 1];
      if (last) (last.instructions as DockerInstruction[]).push(ins);
    }
  }
  if (stages.length === 0) return { subject: undefined, problems };
  return { subject: { origin, instructions, stages, lines }, problems };
}
