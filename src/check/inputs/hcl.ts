/*
 * A small reader for HCL (Terraform/OpenTofu .tf files): blocks with labels, attributes and
 * nested blocks, each with its line. Literals, strings, heredocs, tuples, objects and function
 * calls are parsed into values; anything it does not evaluate (references, operators,
 * for-expressions, conditionals) is kept as `{ expr: "source text" }` so rules can tell
 * "unknown" from "unset". Strings keep `${…}` interpolations as written.
 */
import { maxNestingDepth } from "../../spec/yaml-limits.js";
import type { TfAttribute, TfBlock, TfBody, TfObject, TfValue } from "../types.js";

export class HclSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** Parses a .tf text into its top-level blocks. Throws HclSyntaxError with a line and column. */
export function parseHcl(text: string, file: string): TfBlock[] {
  const reader = new HclReader(text, file);
  return reader.topLevel();
}

const identStart = /[A-Za-z_]/;
const identChar = /[A-Za-z0-9_-]/;

class HclReader {
  private pos = 0;
  /** Open blocks, lists, objects, calls and unary operators: the reader recurses once for each. */
  private depth = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  topLevel(): TfBlock[] {
    const body = this.body(undefined);
    return [...body.blocks];
  }

  private lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private fail(message: string, at = this.pos): never {
    const line = this.lineAt(at);
    throw new HclSyntaxError(message, line, at - (this.lineStarts[line - 1] as number) + 1);
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? "";
  }

  private eof(): boolean {
    return this.pos >= this.src.length;
  }

  /** Skips spaces, tabs and comments on the current line (not the newline). */
  private skipInline(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "#" || (c === "/" && this.peek(1) === "/")) {
        while (!this.eof() && this.peek() !== "\n") this.pos++;
      } else if (c === "/" && this.peek(1) === "*") {
        const end = this.src.indexOf("*/", this.pos + 2);
        if (end === -1) this.fail("unterminated /* comment");
        this.pos = end + 2;
      } else return;
    }
  }

  /** Skips whitespace, newlines and comments. */
  private skipAll(): void {
    for (;;) {
      this.skipInline();
      if (this.peek() === "\n") this.pos++;
      else return;
    }
  }

  private ident(): string {
    const start = this.pos;
    if (!identStart.test(this.peek())) this.fail(`expected a name, found ${describe(this.peek())}`);
    while (identChar.test(this.peek())) this.pos++;
    return this.src.slice(start, this.pos);
  }

  /** Enters one nesting level; past maxNestingDepth the file is refused at this position, not the stack's end. */
  private enter(): void {
    if (++this.depth > maxNestingDepth) this.fail(`nested deeper than ${maxNestingDepth} levels`);
  }

  private body(closing: "}" | undefined): TfBody {
    const attributes = new Map<string, TfAttribute>();
    const blocks: TfBlock[] = [];
    for (;;) {
      this.skipAll();
      if (this.eof()) {
        if (closing) this.fail("missing } at the end of a block");
        break;
      }
      if (this.peek() === "}") {
        if (!closing) this.fail("unexpected }");
        break;
      }
      const start = this.pos;
      const name = this.ident();
      this.skipInline();
      if (this.peek() === "=" && this.peek(1) !== "=") {
        this.pos++;
        const value = this.expression();
        attributes.set(name, { name, value, line: this.lineAt(start) });
        this.endOfItem();
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.skipInline();
        const c = this.peek();
        if (c === '"') labels.push(this.quoted());
        else if (identStart.test(c)) labels.push(this.ident());
        else break;
      }
      if (this.peek() !== "{") this.fail(`expected = or { after '${name}', found ${describe(this.peek())}`);
      this.pos++;
      this.enter();
      const inner = this.body("}");
      this.depth--;
      this.pos++; // }
      blocks.push({ type: name, labels, body: inner, file: this.file, line: this.lineAt(start), endLine: this.lineAt(this.pos - 1) });
      this.endOfItem();
    }
    return { attributes, blocks };
  }

  private endOfItem(): void {
    this.skipInline();
    const c = this.peek();
    if (c === "\n" || c === "}" || c === "" || c === ",") {
      if (c === ",") this.pos++;
      return;
    }
    this.fail(`expected a new line, found ${describe(c)}`);
  }

  /**
   * A full expression up to the end of the item (new line, `,`, a closing bracket or `:` of an object).
   * Inside brackets and call arguments HCL ignores new lines (`multiline`), so an operator may start the
   * next line there; in a body or an object a new line ends the item.
   */
  private expression(multiline = false): TfValue {
    this.skipInline();
    const start = this.pos;
    let value = this.operand();
    let end = this.pos;
    let complex = false;
    let ternary = 0;
    for (;;) {
      const before = this.pos;
      if (multiline) this.skipAll();
      else this.skipInline();
      const c = this.peek();
      const two = c + this.peek(1);
      if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) this.pos += 2;
      else if ("+-*/%<>?".includes(c) && c !== "") {
        if (c === "?") ternary++;
        this.pos++;
      } else if (c === ":" && ternary > 0) {
        ternary--;
        this.pos++;
      } else {
        // Not an operator: leave what follows (a new line, a comment) to the caller.
        this.pos = before;
        break;
      }
      complex = true;
      this.skipAll();
      this.operand();
      end = this.pos;
    }
    if (complex) value = { expr: this.src.slice(start, end) };
    return value;
  }

  private operand(): TfValue {
    this.enter();
    const value = this.operandInner();
    this.depth--;
    return value;
  }

  private operandInner(): TfValue {
    this.skipInline();
    const start = this.pos;
    const c = this.peek();
    let value: TfValue;
    if (c === "!" || c === "-") {
      this.pos++;
      const inner = this.operand();
      if (c === "-" && typeof inner === "number") return -inner;
      return { expr: this.src.slice(start, this.pos).trim() };
    }
    if (c === '"') value = this.quoted();
    else if (c === "<" && this.peek(1) === "<") value = this.heredoc();
    else if (/[0-9]/.test(c)) value = this.number();
    else if (c === "[") value = this.tuple();
    else if (c === "{") value = this.object();
    else if (c === "(") {
      this.balanced("(", ")");
      value = { expr: this.src.slice(start, this.pos) };
    } else if (identStart.test(c)) {
      const name = this.ident();
      if (this.peek() === ":" && this.peek(1) === ":") {
        // provider::name::function
        while (this.peek() === ":" && this.peek(1) === ":") {
          this.pos += 2;
          this.ident();
        }
      }
      const full = this.src.slice(start, this.pos);
      if (this.peek() === "(") value = { call: full, args: this.callArgs() };
      else if (name === "true" && full === name) value = true;
      else if (name === "false" && full === name) value = false;
      else if (name === "null" && full === name) value = null;
      else {
        this.traversal();
        return { expr: this.src.slice(start, this.pos) };
      }
    } else {
      this.fail(`expected a value, found ${describe(c)}`);
    }
    // foo()[0], [..].x: a traversal after a value makes it an unevaluated expression.
    if (this.peek() === "." || this.peek() === "[") {
      if (this.peek() === "." && /[0-9]/.test(this.peek(1)) && typeof value === "number") return value;
      this.traversal();
      return { expr: this.src.slice(start, this.pos) };
    }
    return value;
  }

  private traversal(): void {
    for (;;) {
      const c = this.peek();
      if (c === "." && this.peek(1) === "*") this.pos += 2;
      else if (c === "." && identChar.test(this.peek(1))) {
        this.pos++;
        while (identChar.test(this.peek())) this.pos++;
      } else if (c === "[") this.balanced("[", "]");
      else return;
    }
  }

  private balanced(open: string, close: string): void {
    let depth = 0;
    const start = this.pos;
    while (!this.eof()) {
      const c = this.peek();
      if (c === '"') {
        this.quoted();
        continue;
      }
      if (c === "#" || (c === "/" && (this.peek(1) === "/" || this.peek(1) === "*"))) {
        this.skipInline();
        continue;
      }
      if (c === "<" && this.peek(1) === "<" && /[-A-Za-z_]/.test(this.peek(2))) {
        this.heredoc();
        continue;
      }
      this.pos++;
      if (c === open || (c === "{" && open !== "{") || (c === "[" && open !== "[") || (c === "(" && open !== "(")) depth++;
      else if (c === close || c === "}" || c === "]" || c === ")") {
        depth--;
        if (depth === 0) return;
      }
    }
    this.fail(`missing ${close}`, start);
  }

  /** Whether the bracket at pos opens a for expression: `for` after any spaces, new lines and comments. */
  private isForExpression(): boolean {
    const at = this.pos;
    this.pos++;
    this.skipAll();
    const isFor = this.src.startsWith("for", this.pos) && /\s/.test(this.peek(3));
    this.pos = at;
    return isFor;
  }

  private tuple(): TfValue {
    const start = this.pos;
    if (this.isForExpression()) {
      this.balanced("[", "]");
      return { expr: this.src.slice(start, this.pos) };
    }
    this.pos++;
    const items: TfValue[] = [];
    for (;;) {
      this.skipAll();
      if (this.peek() === "]") {
        this.pos++;
        return items;
      }
      items.push(this.expression(true));
      this.skipAll();
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "]") this.fail(`expected , or ] in a list, found ${describe(this.peek())}`);
    }
  }

  private object(): TfValue {
    const start = this.pos;
    if (this.isForExpression()) {
      this.balanced("{", "}");
      return { expr: this.src.slice(start, this.pos) };
    }
    this.pos++;
    const out: TfObject = {};
    for (;;) {
      this.skipAll();
      if (this.peek() === "}") {
        this.pos++;
        return out;
      }
      let key: string;
      const c = this.peek();
      if (c === '"') key = this.quoted();
      else if (c === "(") {
        const s = this.pos;
        this.balanced("(", ")");
        key = this.src.slice(s, this.pos);
      } else if (identStart.test(c) || /[0-9]/.test(c)) {
        const s = this.pos;
        while (identChar.test(this.peek()) || this.peek() === ".") this.pos++;
        key = this.src.slice(s, this.pos);
      } else this.fail(`expected an object key, found ${describe(c)}`);
      this.skipInline();
      if (this.peek() !== "=" && this.peek() !== ":") this.fail(`expected = or : after key '${key}'`);
      this.pos++;
      out[key] = this.expression();
      this.skipInline();
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "\n" && this.peek() !== "}")
        this.fail(`expected , or a new line in an object, found ${describe(this.peek())}`);
    }
  }

  private callArgs(): TfValue[] {
    this.pos++; // (
    const args: TfValue[] = [];
    for (;;) {
      this.skipAll();
      if (this.peek() === ")") {
        this.pos++;
        return args;
      }
      args.push(this.expression(true));
      this.skipAll();
      if (this.peek() === "." && this.peek(1) === "." && this.peek(2) === ".") {
        this.pos += 3;
        this.skipAll();
      }
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== ")") this.fail(`expected , or ) in a function call, found ${describe(this.peek())}`);
    }
  }

  private number(): number {
    const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) this.fail("bad number");
    this.pos += m[0].length;
    return Number(m[0]);
  }

  /** A quoted template; interpolations are kept as written. */
  private quoted(): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") this.fail("unterminated string", start);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const e = this.peek(1);
        this.pos += 2;
        if (e === "n") out += "\n";
        else if (e === "t") out += "\t";
        else if (e === "r") out += "\r";
        else if (e === "u" || e === "U") {
          const len = e === "u" ? 4 : 8;
          const hex = this.src.slice(this.pos, this.pos + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail("bad unicode escape");
          out += String.fromCodePoint(Number.parseInt(hex, 16));
          this.pos += len;
        } else out += e;
        continue;
      }
      if ((c === "$" || c === "%") && this.peek(1) === "{") {
        const s = this.pos;
        this.pos++;
        this.templateBraces();
        out += this.src.slice(s, this.pos);
        continue;
      }
      out += c;
      this.pos++;
    }
  }

  /** Inside `${`: skip to the matching `}`, minding nested strings and braces. */
  private templateBraces(): void {
    // Strings inside ${…} recurse through quoted(); count them as nesting too.
    this.enter();
    let depth = 0;
    const start = this.pos;
    while (!this.eof()) {
      const c = this.peek();
      if (c === '"') {
        this.quoted();
        continue;
      }
      this.pos++;
      if (c === "{") depth++;
      else if (c === "}") {
        depth--;
        if (depth === 0) {
          this.depth--;
          return;
        }
      }
    }
    this.fail("unterminated ${ in a string", start);
  }

  private heredoc(): string {
    const start = this.pos;
    this.pos += 2;
    const indent = this.peek() === "-";
    if (indent) this.pos++;
    const marker = this.ident();
    const eol = this.src.indexOf("\n", this.pos);
    if (eol === -1 || this.src.slice(this.pos, eol).trim() !== "") this.fail("expected a new line after the heredoc marker", start);
    this.pos = eol + 1;
    const lines: string[] = [];
    for (;;) {
      if (this.eof()) this.fail(`heredoc <<${marker} is never closed`, start);
      const end = this.src.indexOf("\n", this.pos);
      const line = this.src.slice(this.pos, end === -1 ? this.src.length : end);
      this.pos = end === -1 ? this.src.length : end;
      if (line.trim() === marker) break;
      lines.push(line);
      this.pos++;
    }
    if (indent) {
      const widths = lines.filter((l) => l.trim() !== "").map((l) => (/^[ \t]*/.exec(l) as RegExpExecArray)[0].length);
      const cut = widths.length > 0 ? Math.min(...widths) : 0;
      return lines.map((l) => l.slice(cut)).join("\n") + (lines.length > 0 ? "\n" : "");
    }
    return lines.join("\n") + (lines.length > 0 ? "\n" : "");
  }
}

function describe(c: string): string {
  if (c === "") return "the end of the file";
  if (c === "\n") return "a new line";
  return `'${c}'`;
}
