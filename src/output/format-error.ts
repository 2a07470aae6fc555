import { formatPath, type SlipwayError } from "../errors/slipway-error.js";
import type { Colors } from "./colors.js";

/**
 * Human text for an error: code and message, file:line:col with the spec path, a code frame when
 * the source text is at hand, and the hint. Related errors follow, each the same way.
 */
export function formatError(error: SlipwayError, colors: Colors, sources: ReadonlyMap<string, string> = new Map()): string {
  const all = [error, ...error.related];
  const blocks = all.map((e) => formatOne(e, colors, sources));
  const summary = all.length > 1 ? `\n${colors.red(`${all.length} problems`)}\n` : "";
  return `${blocks.join("\n")}${summary}`;
}

function formatOne(error: SlipwayError, c: Colors, sources: ReadonlyMap<string, string>): string {
  const lines = [`${c.red(c.bold("error"))}${c.dim(`[${error.code}]`)}: ${c.bold(stripLocationPrefix(error))}`];
  const loc = error.location;
  if (loc) {
    const where = loc.line !== undefined ? `${loc.file}:${loc.line}:${loc.col ?? 1}` : loc.file;
    const path = loc.path.length > 0 ? ` ${c.dim(`(${formatPath(loc.path)})`)}` : "";
    lines.push(`  ${c.cyan("-->")} ${where}${path}`);
    const text = sources.get(loc.file);
    if (text !== undefined && loc.line !== undefined) lines.push(...codeFrame(text, loc.line, loc.col ?? 1, c));
  }
  if (error.hint) lines.push(`  ${c.green("hint")}: ${error.hint}`);
  return `${lines.join("\n")}\n`;
}

/** Messages from the YAML parser already start with file:line:col; don't print it twice. */
function stripLocationPrefix(error: SlipwayError): string {
  const file = error.location?.file;
  if (file && error.message.startsWith(`${file}:`)) {
    return error.message
      .slice(file.length + 1)
      .replace(/^\d+:\d+:\s*/, "")
      .replace(/^\s+/, "");
  }
  return error.message;
}

function codeFrame(text: string, line: number, col: number, c: Colors): string[] {
  const all = text.split(/\r?\n/);
  const src = all[line - 1];
  if (src === undefined) return [];
  const shown = src.length > 120 ? `${src.slice(0, 117)}...` : src;
  const gutter = String(line).length;
  const pad = " ".repeat(gutter);
  const caret = " ".repeat(Math.max(0, Math.min(col - 1, shown.length)));
  return [
    `  ${pad} ${c.cyan("|")}`,
    `  ${c.cyan(String(line))} ${c.cyan("|")} ${printable(shown)}`,
    `  ${pad} ${c.cyan("|")} ${caret}${c.red("^")}`,
  ];
}

function printable(s: string): string {
  // Never echo control characters from a broken file back to the terminal.
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 && ch !== "\t" ? "?" : ch;
  }
  return out;
}
