// Picks roots from /tmp/harvest/<repo>/out and copies the files kubectl read into the fixtures.
// usage: bun collect.ts REPO BUDGET_KB [MAX_FAILED]
import { readFileSync, readdirSync, statSync, mkdirSync, copyFileSync, existsSync, lstatSync } from "node:fs";
import { join, dirname } from "node:path";
const [repo, budgetKb, maxFailedS] = process.argv.slice(2) as [string, string, string?];
const h = `/tmp/harvest/${repo}`;
const dest = `/work/wt-kustomize-corpus/test/fixtures/kustomize-corpus/${repo.replace("+", "-")}`;
const budget = Number(budgetKb) * 1024;
const maxFailed = Number(maxFailedS ?? 6);
type R = { root: string; ok: boolean; files: string[]; size: number; err: string };
const rs: R[] = [];
for (const o of readdirSync(`${h}/out`)) {
  const d = `${h}/out/${o}`;
  const root = readFileSync(`${d}/root`, "utf8").trim();
  const ok = readFileSync(`${d}/rc`, "utf8").trim() === "0";
  const files = readFileSync(`${d}/files`, "utf8").split("\n").filter((f) => f && lstatSync(join(h, "src", f), { throwIfNoEntry: false })?.isFile());
  const size = files.reduce((s, f) => s + statSync(join(h, "src", f)).size, 0);
  rs.push({ root, ok, files, size, err: readFileSync(`${d}/stderr`, "utf8") });
}
rs.sort((a, b) => a.size - b.size || a.root.localeCompare(b.root));
const chosen = new Set<string>();
let used = 0;
const picked: R[] = [];
let failed = 0;
for (const r of rs) {
  if (!r.ok && failed >= maxFailed) continue;
  const add = r.files.filter((f) => !chosen.has(f)).reduce((s, f) => s + statSync(join(h, "src", f)).size, 0);
  if (used + add > budget) continue;
  used += add;
  for (const f of r.files) chosen.add(f);
  picked.push(r);
  if (!r.ok) failed++;
}
// A failing root may name files it never opened (a file outside the root): copy those too.
for (const r of picked) {
  if (r.ok) continue;
  for (const m of r.err.matchAll(new RegExp(`${h.replace(/[+.]/g, "\\$&")}/src/([^'"\\s:]+)`, "g"))) {
    const f = m[1]!;
    if (lstatSync(join(h, "src", f), { throwIfNoEntry: false })?.isFile()) chosen.add(f);
  }
}
for (const f of chosen) {
  mkdirSync(dirname(join(dest, "tree", f)), { recursive: true });
  copyFileSync(join(h, "src", f), join(dest, "tree", f));
}
// Roots without kustomization file read (failed early) still need their directory.
for (const r of picked) mkdirSync(join(dest, "tree", r.root), { recursive: true });
console.log(`${repo}: ${picked.filter((r) => r.ok).length} ok + ${picked.filter((r) => !r.ok).length} failing of ${rs.length}, ${(used / 1024).toFixed(0)} KiB`);
Bun.write(`${dest}/picked.txt`, picked.map((r) => `${r.ok ? "ok" : "fail"}\t${r.root}`).join("\n") + "\n");
