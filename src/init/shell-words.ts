/*
 * Shell command text as words, and back: enough of POSIX sh quoting to read a Procfile line or a
 * boot script's `exec` line and to write a command slipway runs with `sh -c`. Pure.
 */

/**
 * The words of one simple command (quotes removed), or undefined when the text uses shell syntax
 * beyond words and quotes (pipes, `&&`, redirections, substitutions).
 */
export function splitWords(text: string): string[] | undefined {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return undefined;
      current += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && j + 1 < text.length) {
          current += text[j + 1];
          j++;
        } else if (text[j] === "`") return undefined;
        else current += text[j];
      }
      if (j >= text.length) return undefined;
      inWord = true;
      i = j;
    } else if (c === "\\" && i + 1 < text.length) {
      current += text[i + 1];
      inWord = true;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else if (/[|&;<>()`]/.test(c)) {
      return undefined;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** Splits text on top-level `&&` (outside quotes); the parts trimmed. */
export function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "&" && text[i + 1] === "&") {
      parts.push(text.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== "");
}

/** Words that only expand slipway's own variables ($HOST, $PORT) are double-quoted so they expand. */
const expanding = /^[\w.:/@%+=,-]*(\$(HOST|PORT)[\w.:/@%+=,-]*)+$/;

/** A word written for sh: bare when safe, "…" when it expands $HOST/$PORT, else '…'. */
export function quoteWord(word: string): string {
  if (/^[\w.:/@%+=,-]+$/.test(word)) return word;
  if (expanding.test(word)) return `"${word}"`;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * The command slipway runs for `words`: the words themselves when none expands a variable, else
 * `sh -c 'exec …'` so that $HOST and $PORT are the values slipway passes (exec keeps the server
 * the process that gets SIGTERM).
 */
export function commandFor(words: readonly string[]): string[] {
  if (!words.some((w) => w.includes("$"))) return [...words];
  return ["sh", "-c", `exec ${words.map(quoteWord).join(" ")}`];
}

/** Shell text for words (for a chain in `sh -c`). */
export function shellText(words: readonly string[]): string {
  return words.map(quoteWord).join(" ");
}
