import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unifiedDiff } from "./unified-diff.ts";

/** Applies a unified diff to `before` (the hunks must line up exactly). */
function applyPatch(before: string, patch: string): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let pos = 0;
  const lines = patch.replace(/\n$/, "").split("\n").slice(2);
  for (const l of lines) {
    const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(l);
    if (m) {
      const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
      while (pos < start) out.push(a[pos++]!);
      continue;
    }
    if (l.startsWith("+")) out.push(l.slice(1));
    else if (l.startsWith("-")) {
      if (a[pos] !== l.slice(1)) throw new Error(`patch does not apply at line ${pos + 1}`);
      pos++;
    } else {
      if (a[pos] !== l.slice(1)) throw new Error(`context mismatch at line ${pos + 1}`);
      out.push(a[pos++]!);
    }
  }
  while (pos < a.length) out.push(a[pos++]!);
  return out.length ? `${out.join("\n")}\n` : "";
}

const text = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f"), { maxLength: 40 }).map((ls) => (ls.length ? `${ls.join("\n")}\n` : ""));

describe("unifiedDiff", () => {
  test("equal texts give no diff", () => {
    fc.assert(fc.property(text, (t) => unifiedDiff(t, t, "a", "b") === ""));
  });

  test("applying the diff to the old text gives the new text", () => {
    fc.assert(fc.property(text, text, (a, b) => (a === b ? true : applyPatch(a, unifiedDiff(a, b, "a", "b")) === b)), { numRuns: 300 });
  });

  test("changes as many lines as GNU diff does (a minimal edit script)", () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-udiff-"));
    fc.assert(
      fc.property(text, text, (a, b) => {
        writeFileSync(join(dir, "a"), a);
        writeFileSync(join(dir, "b"), b);
        const gnu = spawnSync("diff", ["-u", "--minimal", join(dir, "a"), join(dir, "b")], { encoding: "utf8" });
        if (gnu.error) throw new Error("Cannot run GNU diff (diffutils) for the differential test", { cause: gnu.error });
        const count = (p: string, c: string) => p.split("\n").slice(2).filter((l) => l.startsWith(c)).length;
        const ours = unifiedDiff(a, b, "a", "b");
        return count(ours, "+") === count(gnu.stdout, "+") && count(ours, "-") === count(gnu.stdout, "-");
      }),
      { numRuns: 100 },
    );
  });

  test("prints headers and a hunk with three lines of context", () => {
    const a = "1\n2\n3\n4\n5\n6\n7\n8\n";
    const b = "1\n2\n3\n4\nfive\n6\n7\n8\n";
    expect(unifiedDiff(a, b, "live X", "merged X")).toBe("--- live X\n+++ merged X\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  });
});
