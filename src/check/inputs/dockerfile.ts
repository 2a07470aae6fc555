import type { DockerfileSubject, DockerHeredoc, DockerInstruction, DockerStage, Origin } from "../types.js";
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

/** Instructions whose shell words may open here-documents (BuildKit), also behind ONBUILD. */
const heredocKeywords = new Set(["RUN", "COPY", "ADD"]);

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
    // Join continuation lines; comment and empty lines inside a continuation are skipped, as BuildKit does.
    for (;;) {
      const t = text.replace(/\s+$/, "");
      if (continues(t, escapeChar) && i + 1 < lines.length) {
        parts.push(t.slice(0, -1));
        let next = i + 1;
        while (next < lines.length && /^\s*(#|$)/.test(lines[next] as string)) next++;
        if (next === lines.length) break;
        i = next;
        text = lines[i] as string;
        continue;
      }
      parts.push(t);
      break;
    }
    const joined = parts.join(" ").trim();
    const m = /^(\S+)\s*([\s\S]*)$/.exec(joined);
    const keyword = (m?.[1] ?? "").toUpperCase();
    if (!keywords.has(keyword)) {
      problems.push({ line: start + 1, message: `unknown Dockerfile instruction '${m?.[1] ?? ""}'` });
      i++;
      continue;
    }
    let args = (m?.[2] ?? "").trim();
    const { flags, rest: firstRest } = splitFlags(args);
    let rest = firstRest;
    const json = execForm(rest);
    // Here-documents: only RUN, COPY and ADD (or those behind ONBUILD) in shell form open them; each
    // body runs from the next line to a line that is exactly its name (<<-: after leading tabs).
    const inner = keyword === "ONBUILD" ? (/^(\S+)\s*([\s\S]*)$/.exec(args) ?? []) : [];
    const host = keyword === "ONBUILD" ? (inner[1] ?? "").toUpperCase() : keyword;
    const hostJson = keyword === "ONBUILD" ? execForm(splitFlags(inner[2] ?? "").rest) : json;
    const heredocs: DockerHeredoc[] = [];
    if (heredocKeywords.has(host) && hostJson === undefined) {
      for (const opener of heredocOpeners(joined)) {
        let content = "";
        let closed = false;
        while (i + 1 < lines.length) {
          i++;
          const line = lines[i] as string;
          if ((opener.chomp ? line.replace(/^\t+/, "") : line) === opener.name) {
            closed = true;
            break;
          }
          content += `${opener.chomp ? line.replace(/^\t+/, "") : line}\n`;
        }
        if (!closed) {
          problems.push({ line: start + 1, message: `heredoc <<${opener.name} is never closed (BuildKit refuses the file)` });
          break;
        }
        heredocs.push({ name: opener.name, content, endLine: i + 1 });
      }
    }
    // A RUN's heredocs are its script (or its input): rules read them as part of the command.
    if (host === "RUN" && heredocs.length > 0) {
      const bodies = heredocs.map((h) => h.content.replace(/\n$/, "")).join("\n");
      args = `${args}\n${bodies}`;
      rest = `${rest}\n${bodies}`;
    }
    if (keyword === "FROM") stage++;
    if (stage === -1 && keyword !== "ARG") problems.push({ line: start + 1, message: `${keyword} before the first FROM` });
    instructions.push({ keyword, args, flags, rest, json, heredocs, line: start + 1, endLine: i + 1, stage: Math.max(stage, 0) });
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

/** BuildKit's line continuation: the escape character last on the line, unless it is itself escaped. */
function continues(line: string, escapeChar: string): boolean {
  return line.endsWith(escapeChar) && (line.length === 1 || line[line.length - 2] !== escapeChar);
}

function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args;
  for (;;) {
    const f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!f) break;
    flags.set(f[1] as string, f[2] ?? "");
    rest = rest.slice(f[0].length);
  }
  return { flags, rest };
}

function execForm(rest: string): string[] | undefined {
  if (!rest.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(rest);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed;
  } catch {
    return undefined;
  }
  return undefined;
}

interface HeredocOpener {
  name: string;
  chomp: boolean;
}

/**
 * The here-documents an instruction line opens, in order, as BuildKit finds them: the line is split
 * into shell words (quotes and escapes kept), and a word is an opener when it is `<<` or `<<-`, an
 * optional file descriptor in front, followed by one word with no further `<` — so `<<<word` (a
 * here-string), `<< EOF` (a space) and `"<<EOF"` (quoted) open nothing. The name is the word unquoted.
 */
export function heredocOpeners(line: string): HeredocOpener[] {
  const out: HeredocOpener[] = [];
  for (const word of shellWords(line)) {
    const m = /^\d*<<(-?)([^<]*)$/.exec(word);
    if (!m || m[2] === "") continue;
    const inner = shellWords(m[2] as string);
    if (inner.length !== 1) continue;
    out.push({ name: unquote(inner[0] as string), chomp: m[1] === "-" });
  }
  return out;
}

/** Splits on unquoted whitespace; quotes and backslashes stay in the words. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let k = 0; k < text.length; k++) {
    const c = text[k] as string;
    if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "\\" && k + 1 < text.length) {
      word += c + text[++k];
    } else if (c === "'" || c === '"') {
      let end = k + 1;
      while (end < text.length && text[end] !== c) end += c === '"' && text[end] === "\\" ? 2 : 1;
      word += text.slice(k, end + 1);
      k = end;
    } else word += c;
  }
  if (inWord) words.push(word);
  return words;
}

/** A shell word without its quotes and escapes: "EOF", 'EOF', E"O"F and \EOF all read EOF. */
function unquote(word: string): string {
  let out = "";
  for (let k = 0; k < word.length; k++) {
    const c = word[k] as string;
    if (c === "\\" && k + 1 < word.length) out += word[++k];
    else if (c === "'") {
      const end = word.indexOf("'", k + 1);
      out += word.slice(k + 1, end === -1 ? word.length : end);
      k = end === -1 ? word.length : end;
    } else if (c === '"') {
      let k2 = k + 1;
      while (k2 < word.length && word[k2] !== '"') {
        if (word[k2] === "\\" && k2 + 1 < word.length) k2++;
        out += word[k2];
        k2++;
      }
      k = k2;
    } else out += c;
  }
  return out;
}
