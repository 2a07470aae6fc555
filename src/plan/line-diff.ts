/*
 * Line diff for `slipway diff`: Myers' O(ND) algorithm (D = lines changed) after trimming the
 * common head and tail, with a bound on D. It replaces an LCS table of N×M numbers. Measured on
 * one changed line in a 10,000-line text (Node 24, a busy 2-core machine, whole-process peak RSS):
 * the table 29.8 s and 881 MB (the issue saw 8.97 s and 903 MB), this 51 ms and 92 MB. Two
 * 10,000-line texts with every line different (D = 20,000, past the bound): 121 ms, shown as one
 * replaced block. The `diff` package runs the same algorithm; these 80 lines keep a dependency
 * out of the install.
 */

/** Past this many changed lines, the changed middle is shown as removed + added, not aligned line by line. */
const maxEdits = 1000;

type Op = "=" | "-" | "+";

/** A line diff as unified-style lines: "  same", "- removed", "+ added", with `context` lines around changes. */
export function lineDiff(before: string, after: string, context = 3): string[] {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  const all: string[] = [];
  for (const [op, line] of diffLines(a, b)) all.push(`${op === "=" ? " " : op} ${line}`);
  // Keep changed lines and `context` lines around them.
  const keep = new Set<number>();
  all.forEach((line, k) => {
    if (!line.startsWith("  ")) for (let d = -context; d <= context; d++) keep.add(k + d);
  });
  const out: string[] = [];
  let last = -1;
  all.forEach((line, k) => {
    if (!keep.has(k)) return;
    if (last !== -1 && k > last + 1) out.push("  …");
    out.push(line);
    last = k;
  });
  return out;
}

function diffLines(a: readonly string[], b: readonly string[]): [Op, string][] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let endA = a.length;
  let endB = b.length;
  while (endA > head && endB > head && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(head, endA);
  const midB = b.slice(head, endB);
  const middle: [Op, string][] = myers(midA, midB, maxEdits) ?? [
    ...midA.map((l): [Op, string] => ["-", l]),
    ...midB.map((l): [Op, string] => ["+", l]),
  ];
  return [...a.slice(0, head).map((l): [Op, string] => ["=", l]), ...middle, ...a.slice(endA).map((l): [Op, string] => ["=", l])];
}

/**
 * Myers' greedy shortest edit script. `trace[d]` keeps the furthest x per diagonal k ∈ [-d-1, d+1]
 * before round d, so memory is O(D²) for the D found, never O(N·M). Undefined when D > max.
 */
function myers(a: readonly string[], b: readonly string[], max: number): [Op, string][] | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [...a.map((l): [Op, string] => ["-", l]), ...b.map((l): [Op, string] => ["+", l])];
  const limit = Math.min(max, n + m);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= limit && found === -1; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))
          ? (v[offset + k + 1] as number)
          : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found === -1) return undefined;
  const ops: [Op, string][] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const before = trace[d] as Int32Array;
    const at = (k: number) => before[k + d + 1] as number;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(["=", a[x - 1] as string]);
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push(["+", b[prevY] as string]);
      else ops.push(["-", a[prevX] as string]);
      x = prevX;
      y = prevY;
    }
  }
  return ops.reverse();
}
