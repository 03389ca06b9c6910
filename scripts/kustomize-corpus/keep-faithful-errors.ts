// Compares each failing fixture root's kubectl error with the original repository's error.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
const base = "/work/wt-kustomize-corpus/test/fixtures/kustomize-corpus";
for (const d of readdirSync(base)) {
  let exp: Record<string, any>;
  try { exp = JSON.parse(readFileSync(`${base}/${d}/expected.json`, "utf8")); } catch { continue; }
  const r = d.startsWith("kubernetes-sigs-") ? "kubernetes-sigs+" + d.slice(16) : d.startsWith("operator-framework-") ? "operator-framework+" + d.slice(19) : d.replace("-", "+");
  const orig = new Map<string, string>();
  for (const o of readdirSync(`${r}/out`)) orig.set(readFileSync(`${r}/out/${o}/root`, "utf8").trim() || ".", readFileSync(`${r}/out/${o}/stderr`, "utf8").split(`/tmp/harvest/${r}/src/`).join("").replace(/\\"/g, "\"").replace(/\s+/g, " "));
  const keep: string[] = [];
  for (const [root, e] of Object.entries(exp)) {
    if (!e.error) { keep.push(root); continue; }
    const o = orig.get(root) ?? "";
    const probe = e.error.replace(/proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused/, "").slice(0, 60);
    if (o.includes(probe)) keep.push(root); else console.log("DROP", d, root, "::", e.error.slice(0, 120), "<>", o.slice(0, 200));
  }
  writeFileSync(`${base}/${d}/roots.txt`, keep.sort().join("\n") + "\n");
}
