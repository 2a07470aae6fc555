import { describe, expect, it } from "vitest";
import { commandFor, quoteWord, splitAnd, splitWords } from "./shell-words.js";

describe("shell words", () => {
  it.each([
    ["plain words", "gunicorn -b :5000 app:app", ["gunicorn", "-b", ":5000", "app:app"]],
    ["single and double quotes", `uvicorn --forwarded-allow-ips='*' "a b"`, ["uvicorn", "--forwarded-allow-ips=*", "a b"]],
    ["escapes", 'echo a\\ b "c\\"d"', ["echo", "a b", 'c"d']],
    ["shell syntax", "a && b", undefined],
    ["a pipe", "a | b", undefined],
    ["an unclosed quote", "a 'b", undefined],
  ])("splitWords: %s", (_, text, words) => {
    expect(splitWords(text)).toEqual(words);
  });

  it("splitAnd keeps quoted && together", () => {
    expect(splitAnd(`a && b "x && y" && c`)).toEqual(["a", `b "x && y"`, "c"]);
  });

  it.each([
    ["bare", "app:app", "app:app"],
    ["expands slipway's variables", "$HOST:$PORT", '"$HOST:$PORT"'],
    ["a URL with them", "tcp://$HOST:$PORT", '"tcp://$HOST:$PORT"'],
    ["other variables stay literal", "$SECRET", "'$SECRET'"],
    ["single quotes inside", "it's", `'it'"'"'s'`],
  ])("quoteWord: %s", (_, word, quoted) => {
    expect(quoteWord(word)).toBe(quoted);
  });

  it("commandFor runs words directly unless one expands, then sh -c with exec", () => {
    expect(commandFor(["node", "server.js"])).toEqual(["node", "server.js"]);
    expect(commandFor(["gunicorn", "--bind", "$HOST:$PORT", "app:app"])).toEqual([
      "sh",
      "-c",
      'exec gunicorn --bind "$HOST:$PORT" app:app',
    ]);
  });
});
