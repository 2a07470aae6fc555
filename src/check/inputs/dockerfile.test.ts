/*
 * The Dockerfile reader against BuildKit's syntax: continuations (with comment and empty lines inside),
 * here-documents (<<EOF, <<-EOF, <<"EOF", <<'EOF', several on one line, only for RUN/COPY/ADD in shell
 * form) and what only looks like one (<<<here-string, << EOF, "<<EOF", exec form). A generator writes
 * Dockerfiles and knows the instructions, lines and heredoc bodies it wrote.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DockerHeredoc } from "../types.js";
import { dockerfileFromText, heredocOpeners } from "./dockerfile.js";

const runs = Number(process.env.SLIPWAY_PROPERTY_RUNS ?? 150);
const origin = { file: "Dockerfile", label: "Dockerfile" };

function read(text: string) {
  const { subject, problems } = dockerfileFromText(text, origin);
  return { instructions: subject?.instructions ?? [], problems };
}

describe("heredocOpeners", () => {
  it.each([
    ["RUN <<EOF", [{ name: "EOF", chomp: false }]],
    ["RUN <<-EOF bash", [{ name: "EOF", chomp: true }]],
    ['COPY <<"EOF" /x', [{ name: "EOF", chomp: false }]],
    ["COPY <<'EOF' /x", [{ name: "EOF", chomp: false }]],
    [
      "RUN <<EOF1 cat <<-EOF2 > /out",
      [
        { name: "EOF1", chomp: false },
        { name: "EOF2", chomp: true },
      ],
    ],
    ["RUN 3<<EOF cat", [{ name: "EOF", chomp: false }]],
    ["RUN cat <<<hello", []],
    ["RUN cat <<< hello", []],
    ["RUN cat << EOF", []],
    ['RUN echo "<<EOF"', []],
    ["RUN echo '<<EOF' <<'E O'", [{ name: "E O", chomp: false }]],
    ["RUN echo a<<EOF", []],
  ])("%s", (line, expected) => {
    expect(heredocOpeners(line)).toEqual(expected);
  });
});

describe("dockerfileFromText", () => {
  it("reads past a here-string: `RUN cat <<<hello` opens no heredoc", () => {
    const { instructions, problems } = read('FROM alpine\nRUN cat <<<hello\nUSER app\nCMD ["x"]\n');
    expect(problems).toEqual([]);
    expect(instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ["FROM", 1, 1],
      ["RUN", 2, 2],
      ["USER", 3, 3],
      ["CMD", 4, 4],
    ]);
  });

  it("reads two heredocs on one line in order, each to its own terminator, and a tab-indented <<- body", () => {
    const text = [
      "FROM alpine",
      "RUN <<EOF1 cat <<-EOF2 > /out",
      "echo one",
      "EOF2",
      "EOF1",
      "\tsecond",
      "\tEOF2",
      "COPY <<'robots.txt' <<humans.txt /srv/",
      "User-agent: *",
      "robots.txt",
      "team",
      "humans.txt",
      "USER app",
    ].join("\n");
    const { instructions, problems } = read(text);
    expect(problems).toEqual([]);
    expect(instructions.map((i) => [i.keyword, i.line, i.endLine])).toEqual([
      ["FROM", 1, 1],
      ["RUN", 2, 7],
      ["COPY", 8, 12],
      ["USER", 13, 13],
    ]);
    const [, run, copy] = instructions;
    expect(run?.heredocs).toEqual([
      { name: "EOF1", content: "echo one\nEOF2\n", endLine: 5 },
      { name: "EOF2", content: "second\n", endLine: 7 },
    ]);
    expect(run?.rest).toBe("<<EOF1 cat <<-EOF2 > /out\necho one\nEOF2\nsecond");
    expect(copy?.heredocs.map((h) => h.name)).toEqual(["robots.txt", "humans.txt"]);
    expect(copy?.rest).toBe("<<'robots.txt' <<humans.txt /srv/");
  });

  it("opens no heredoc in exec form or outside RUN/COPY/ADD", () => {
    const { instructions } = read('FROM alpine\nRUN ["sh", "-c", "cat <<EOF"]\nLABEL note="<<EOF"\nUSER app\n');
    expect(instructions.map((i) => [i.keyword, i.heredocs.length])).toEqual([
      ["FROM", 0],
      ["RUN", 0],
      ["LABEL", 0],
      ["USER", 0],
    ]);
  });

  it("reports a heredoc that is never closed at its instruction's line", () => {
    const { problems } = read("FROM alpine\nRUN <<EOF\necho hi\n EOF\n");
    expect(problems).toEqual([{ line: 2, message: "heredoc <<EOF is never closed (BuildKit refuses the file)" }]);
  });

  it("skips comment and empty lines inside a continuation", () => {
    const { instructions, problems } = read("FROM alpine\nRUN apk add \\\n# why\n\n    curl\nUSER app\n");
    expect(problems).toEqual([]);
    expect(instructions.map((i) => [i.keyword, i.line, i.endLine, i.rest.replace(/\s+/g, " ")])).toEqual([
      ["FROM", 1, 1, "alpine"],
      ["RUN", 2, 5, "apk add curl"],
      ["USER", 6, 6, "app"],
    ]);
  });
});

// ── Generated Dockerfiles ──────────────────────────────────────────────────────────────────────

interface Expected {
  keyword: string;
  line: number;
  endLine: number;
  heredocs: DockerHeredoc[];
  /** rest with runs of spaces and tabs collapsed. */
  rest: string;
}

/** Writes lines and, alongside, what the reader must return for each instruction. */
class Writer {
  readonly lines: string[] = [];
  readonly expected: Expected[] = [];
  get next(): number {
    return this.lines.length + 1;
  }
}

type Piece = (w: Writer) => void;

const collapse = (s: string) => s.replace(/[ \t]+/g, " ");
const word = fc.stringMatching(/^[a-z][a-z0-9._/-]{0,8}$/);
const bodyLine = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-zA-Z0-9 _.=/-]{1,20}$/) },
  fc.constantFrom("", "FROM scratch", "RUN rm -rf /", "# not a comment here", "  EOF", "EOF ", "USER root", "\\", "echo $HOME"),
);

const filler: fc.Arbitrary<Piece> = fc.constantFrom<Piece>(
  (w) => w.lines.push(""),
  (w) => w.lines.push("# a comment"),
  (w) => w.lines.push("   # indented comment"),
);

const simple: fc.Arbitrary<Piece> = fc
  .tuple(fc.constantFrom("USER", "WORKDIR", "ENV", "EXPOSE", "LABEL", "ARG"), word)
  .map(([keyword, arg]) => (w: Writer) => {
    w.expected.push({ keyword, line: w.next, endLine: w.next, heredocs: [], rest: arg });
    w.lines.push(`${keyword} ${arg}`);
  });

/** RUN in shell form, its words spread over continuation lines with comments and empty lines between. */
const continued: fc.Arbitrary<Piece> = fc
  .record({
    words: fc.array(fc.oneof(word, fc.constantFrom("&&", "<<<here", '"<<NOT"', "<<", "'<<x'")), { minLength: 1, maxLength: 6 }),
    breaks: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    inside: fc.array(fc.constantFrom("", "# note", "  # note"), { maxLength: 2 }),
  })
  .map(({ words, breaks, inside }) => (w: Writer) => {
    const line = w.next;
    let current = "RUN";
    words.forEach((x, k) => {
      if (breaks[k] && k > 0) {
        w.lines.push(`${current} \\`);
        for (const extra of inside) w.lines.push(extra);
        current = `    ${x}`;
      } else current += ` ${x}`;
    });
    w.lines.push(current);
    w.expected.push({ keyword: "RUN", line, endLine: w.next - 1, heredocs: [], rest: words.join(" ") });
  });

const opener = fc.record({
  name: fc.constantFrom("EOF", "EOT", "SCRIPT", "end-of-file", "a.txt"),
  chomp: fc.boolean(),
  quote: fc.constantFrom("", '"', "'"),
  fd: fc.constantFrom("", "", "0"),
  lines: fc.array(bodyLine, { maxLength: 4 }),
  tabs: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
  closeTabs: fc.integer({ min: 0, max: 2 }),
});

/** RUN/COPY/ADD opening one to three heredocs, with words and non-openers around them. */
const withHeredocs: fc.Arbitrary<Piece> = fc
  .record({
    keyword: fc.constantFrom("RUN", "RUN", "COPY", "ADD"),
    openers: fc.uniqueArray(opener, { selector: (o) => o.name, minLength: 1, maxLength: 3 }),
    around: fc.array(fc.constantFrom("cat", "python3", "> /out", "| sh", "<<<here", '"<<NOT"', "--chmod=755"), { maxLength: 3 }),
  })
  .map(({ keyword, openers, around }) => (w: Writer) => {
    const line = w.next;
    const head = [
      ...openers.map((o) => `${o.fd}<<${o.chomp ? "-" : ""}${o.quote}${o.name}${o.quote}`),
      ...around.filter((a) => !a.startsWith("--")),
    ];
    w.lines.push(`${keyword} ${head.join(" ")}`);
    const heredocs: DockerHeredoc[] = [];
    for (const o of openers) {
      // A body line that reads as a terminator would end the heredoc early: BuildKit would too, so leave it out.
      const body = o.lines
        .map((l, k) => (o.chomp && l !== "" ? "\t".repeat(o.tabs[k] ?? 0) + l : l))
        .filter((l) => (o.chomp ? l.replace(/^\t+/, "") : l) !== o.name);
      for (const l of body) w.lines.push(l);
      w.lines.push(`${o.chomp ? "\t".repeat(o.closeTabs) : ""}${o.name}`);
      const content = body.map((l) => `${o.chomp ? l.replace(/^\t+/, "") : l}\n`).join("");
      heredocs.push({ name: o.name, content, endLine: w.next - 1 });
    }
    const first = head.join(" ");
    const bodies = heredocs.map((h) => h.content.replace(/\n$/, "")).join("\n");
    const rest = keyword === "RUN" ? `${first}\n${bodies}` : first;
    w.expected.push({ keyword, line, endLine: w.next - 1, heredocs, rest: collapse(rest) });
  });

const exec: fc.Arbitrary<Piece> = fc.constantFrom<Piece>((w) => {
  w.expected.push({ keyword: "RUN", line: w.next, endLine: w.next, heredocs: [], rest: '["sh", "-c", "cat <<EOF"]' });
  w.lines.push('RUN ["sh", "-c", "cat <<EOF"]');
});

const dockerfile = fc.array(fc.oneof(filler, simple, continued, withHeredocs, exec), { maxLength: 12 }).map((pieces) => {
  const w = new Writer();
  w.expected.push({ keyword: "FROM", line: 1, endLine: 1, heredocs: [], rest: "alpine:3.20" });
  w.lines.push("FROM alpine:3.20");
  for (const p of pieces) p(w);
  return w;
});

describe("dockerfileFromText on generated Dockerfiles", () => {
  it("returns the instructions, lines and heredoc bodies the generator wrote", () => {
    fc.assert(
      fc.property(dockerfile, fc.boolean(), (w, crlf) => {
        const { instructions, problems } = read(w.lines.join(crlf ? "\r\n" : "\n"));
        expect(problems).toEqual([]);
        expect(
          instructions.map((i) => ({ keyword: i.keyword, line: i.line, endLine: i.endLine, heredocs: i.heredocs, rest: collapse(i.rest) })),
        ).toEqual(w.expected.map((e) => ({ ...e, rest: collapse(e.rest) })));
      }),
      { numRuns: runs * 3 },
    );
  });
});
