/**
 * A unified diff of two texts by lines (Myers' O(ND) algorithm), with `---`/`+++` headers and hunks of
 * three lines of context, as `diff -u` prints. Empty string when the texts are equal.
 * Limits: DEFAULTS.maxEdits caps the edit distance explored; beyond it the whole text is shown as
 * replaced, so a huge object cannot stall the CLI.
 */

export const DEFAULTS = { context: 3, maxEdits: 20_000 };

type Op = { t: " " | "-" | "+"; line: string };

function lines(s: string): string[] {
  if (s === "") return [];
  const ls = s.split("\n");
  if (ls[ls.length - 1] === "") ls.pop();
  return ls;
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, DEFAULTS.maxEdits);
  const off = max + 1;
  let v: Int32Array = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [...a.map((line) => ({ t: "-" as const, line })), ...b.map((line) => ({ t: "+" as const, line }))];
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) ops.push({ t: " ", line: a[--x]! }), y--;
    if (x === prevX) ops.push({ t: "+", line: b[--y]! });
    else ops.push({ t: "-", line: a[--x]! });
  }
  while (x > 0 && y > 0) ops.push({ t: " ", line: a[--x]! }), y--;
  return ops.reverse();
}

export function unifiedDiff(before: string, after: string, fromName: string, toName: string): string {
  const a = lines(before);
  const b = lines(after);
  const ops = myers(a, b);
  if (ops.every((o) => o.t === " ")) return "";
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  const C = DEFAULTS.context;
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.t === " ") {
      i++;
      continue;
    }
    // A hunk: from C lines before this change to C lines after the last change within 2C of the next.
    const start = Math.max(0, i - C);
    let end = i;
    while (end < ops.length) {
      if (ops[end]!.t !== " ") {
        end++;
        continue;
      }
      let j = end;
      while (j < ops.length && ops[j]!.t === " ") j++;
      if (j < ops.length && j - end <= 2 * C) end = j;
      else {
        end = Math.min(ops.length, end + C);
        break;
      }
    }
    let aLine = 1;
    let bLine = 1;
    for (let k = 0; k < start; k++) {
      if (ops[k]!.t !== "+") aLine++;
      if (ops[k]!.t !== "-") bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.t !== "+").length;
    const bCount = hunk.filter((o) => o.t !== "-").length;
    out.push(`@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`);
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    i = end;
  }
  return `${out.join("\n")}\n`;
}
