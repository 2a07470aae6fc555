/** A line diff (longest common subsequence), as unified-style lines: "  same", "- removed", "+ added". */
export function lineDiff(before: string, after: string, context = 3): string[] {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = a[i] === b[j] ? ((lcs[i + 1] as number[])[j + 1] ?? 0) + 1 : Math.max((lcs[i + 1] as number[])[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const all: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      all.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j >= m || ((lcs[i + 1] as number[])[j] ?? 0) >= ((lcs[i] as number[])[j + 1] ?? 0))) {
      all.push(`- ${a[i]}`);
      i++;
    } else {
      all.push(`+ ${b[j]}`);
      j++;
    }
  }
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
