/*
 * The first error of a crashed process's log, for the failure evidence beside the log's tail. A
 * crash often ends with lines that say nothing (Node's `{ code: 'MODULE_NOT_FOUND' … }` object and
 * version line, a Python chained exception, a supervisor's "worker exited"), so the tail alone can
 * cut off the line that names the problem. Pure: lines in, lines out.
 */

/** At most this many lines of one block; longer traces keep their head and the lines that name the error. */
const maxBlockLines = 16;
/** Stack frames kept after a Node or Ruby error line. */
const maxFrames = 5;

/**
 * The first error block in `lines`: a Python traceback (`Traceback (most recent call last):` …
 * the exception line), a Node error (`Error: Cannot find module …`, `TypeError: …`, with the
 * source line and caret Node prints before it and the first frames after it), or a Ruby exception
 * (`… (NameError)` and its first `from` frames). Undefined when there is none.
 */
export function firstErrorBlock(lines: readonly string[]): string[] | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (pythonStart.test(line)) return pythonBlock(lines, i);
    if (nodeError.test(line)) {
      // A Node error has frames; an "Error: …" line without them is some tool's message (Flask's CLI
      // prints "Error: While importing …" above the traceback that explains it).
      const block = nodeBlock(lines, i);
      if (block.some((l) => nodeFrame.test(l))) return block;
    }
    if (rubyError.test(line)) return framesAfter(lines, i, rubyFrame);
  }
  return undefined;
}

const pythonStart = /^\s*Traceback \(most recent call last\):\s*$/;
/** `Error: …`, `TypeError: …`, `Error [ERR_MODULE_NOT_FOUND]: …`, `Uncaught ReferenceError: …` at the start of a line. */
const nodeError = /^(?:Uncaught )?(?:[A-Z][A-Za-z]*)?Error(?: \[[A-Z0-9_]+\])?: \S/;
const nodeFrame = /^\s+at /;
/** Where Node says the throw happened, printed before the error: `/app/server.js:5` or `node:internal/…:1228`. */
const nodeLocation = /^(?:\/|node:|file:|[A-Za-z]:\\)\S*:\d+$/;
/** `app.rb:3:in 'block in <main>': uninitialized constant Foo (NameError)`, `… (Errno::ENOENT)`. */
const rubyError = /:\d+:in .*\((?:[A-Z]\w*)(?:::[A-Z]\w*)*\)$/;
const rubyFrame = /^\s+from \S/;

function pythonBlock(lines: readonly string[], start: number): string[] {
  // Frames and their source lines are indented; the first line that is not names the exception.
  let end = start + 1;
  while (end < lines.length && ((lines[end] as string).trim() === "" || /^\s/.test(lines[end] as string))) end += 1;
  const block = lines.slice(start, end + 1);
  if (block.length <= maxBlockLines) return [...block];
  // The innermost frames and the exception say the most: keep the head line, then the end.
  const tail = block.slice(-(maxBlockLines - 2));
  return [block[0] as string, `  … ${block.length - 1 - tail.length} more lines of the trace …`, ...tail];
}

function nodeBlock(lines: readonly string[], at: number): string[] {
  // Node prints the throwing line, the code and a caret (and an empty line) before the error itself.
  let start = at;
  for (let back = 1; back <= 5 && at - back >= 0; back++) {
    if (nodeLocation.test(lines[at - back] as string)) {
      start = at - back;
      break;
    }
  }
  const head = lines.slice(start, at);
  return [...head, ...framesAfter(lines, at, nodeFrame)].slice(0, maxBlockLines);
}

/** The error line, the lines that continue its message, and the first frames after it. */
function framesAfter(lines: readonly string[], at: number, frame: RegExp): string[] {
  const block = [lines[at] as string];
  let frames = 0;
  for (let i = at + 1; i < lines.length && block.length < maxBlockLines; i++) {
    const line = lines[i] as string;
    if (frame.test(line)) {
      if (frames === maxFrames) {
        block.push("    …");
        break;
      }
      frames += 1;
      block.push(line);
      continue;
    }
    // Before the first frame a message may go on (Node's "Require stack:" list); after it, the block ends.
    if (frames > 0 || line.trim() === "") break;
    block.push(line);
  }
  return block;
}
