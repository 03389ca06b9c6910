/**
 * YAML parse and emit throughput on a ~5,000-manifest corpus (generated, deterministic): the `yaml`
 * package, the WASM fast path (parseDocuments), Bun.YAML (Bun only) and JSON.parse of the same objects
 * (the ceiling); emitting: yaml.stringify, our emitter, JSON.stringify. Median of N runs, ratios within
 * the run. Run: `bun bench/yaml.ts`, `deno run -A bench/yaml.ts`, Node: bundle with
 * `bun build --target=node bench/yaml.ts --outfile /tmp/yaml-bench.mjs && node /tmp/yaml-bench.mjs`.
 */
import { parseAllDocuments, stringify } from "yaml";
import { parseDocuments } from "../agent/yaml/parse.ts";
import { emitDocuments } from "../agent/yaml/emit.ts";

const RUNS = 5;
const EMIT_RUNS = 15;

function manifest(i: number): Record<string, unknown> {
  const kinds = i % 3;
  if (kinds === 0)
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cfg-${i}`, namespace: "apps", labels: { app: `app-${i % 50}`, tier: "backend" } },
      data: { "app.properties": `port=${8000 + (i % 100)}\nmode=production\n`, replicas: String(i % 7), enabled: "true" },
    };
  if (kinds === 1)
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `web-${i}`, namespace: "apps", annotations: { "example.com/owner": "team-a" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: `web-${i}` } },
        template: {
          metadata: { labels: { app: `web-${i}` } },
          spec: {
            containers: [
              { name: "web", image: `nginx:1.${i % 30}`, ports: [{ containerPort: 8080, protocol: "TCP" }], args: ["--port", "8080"], resources: { limits: { cpu: "500m", memory: "128Mi" } } },
            ],
          },
        },
      },
    };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `svc-${i}`, namespace: "apps" },
    spec: { selector: { app: `web-${i}` }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] },
  };
}

const objects = Array.from({ length: 5051 }, (_, i) => manifest(i));
const yamlText = emitDocuments(objects);
const jsonTexts = objects.map((o) => JSON.stringify(o));
const mb = new TextEncoder().encode(yamlText).length / 1e6;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown, runs = RUNS, warmups = 1): number {
  for (let w = 0; w < warmups; w++) fn();
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const g = globalThis as { Bun?: { version: string; YAML?: { parse(s: string): unknown } }; Deno?: { version: { deno: string } }; process?: { version: string } };
const runtime = g.Bun ? `Bun ${g.Bun.version}` : g.Deno ? `Deno ${g.Deno.version.deno}` : `Node ${g.process?.version}`;

// Sanity: the fast path reads the corpus back exactly.
const canon = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
const back = parseDocuments(yamlText);
if (JSON.stringify(canon(back)) !== JSON.stringify(canon(objects))) throw new Error("Cannot benchmark: the fast path does not read the corpus back");

const rows: [string, string, number][] = [];
rows.push(["parse", "yaml package", time(() => parseAllDocuments(yamlText, { version: "1.1" }).map((d) => d.toJS()), 3)]);
rows.push(["parse", "WASM fast path (parseDocuments)", time(() => parseDocuments(yamlText))]);
const bunYaml = g.Bun?.YAML;
if (bunYaml) rows.push(["parse", "Bun.YAML.parse", time(() => bunYaml.parse(yamlText))]);
rows.push(["parse", "JSON.parse (ceiling)", time(() => jsonTexts.map((t) => JSON.parse(t)))]);
// Reading one character flattens a string an engine built as a rope, so every emit row pays for a text a
// caller can use (emitDocuments' text is flat already, JSON.stringify's strings too).
const settle = (s: string): number => s.charCodeAt(s.length >> 1);
// The fast rows get more warm-up and runs: at ~10 ms a call, JSC's optimizing tier may not be in place
// after one warm-up on a busy 2-core machine, and the median of 5 then swings 2x between runs.
rows.push(["emit", "yaml.stringify", time(() => settle(objects.map((o) => stringify(o)).join("---\n")), 3)]);
rows.push(["emit", "emitDocuments", time(() => settle(emitDocuments(objects)), EMIT_RUNS, 5)]);
rows.push(["emit", "JSON.stringify (ceiling)", time(() => objects.map((o) => settle(JSON.stringify(o))), EMIT_RUNS, 5)]);

console.log(`${runtime}: ${objects.length} manifests, ${mb.toFixed(2)} MB of YAML, median of ${RUNS} runs (emit: ${EMIT_RUNS} after 5 warm-ups, yaml package 3)`);
console.log("| op | path | ms | MB/s | × yaml package | ÷ JSON ceiling |");
console.log("|---|---|---|---|---|---|");
for (const op of ["parse", "emit"]) {
  const base = rows.find((r) => r[0] === op)![2];
  const ceil = rows.filter((r) => r[0] === op).at(-1)![2];
  for (const [o, name, ms] of rows.filter((r) => r[0] === op))
    console.log(`| ${o} | ${name} | ${ms.toFixed(1)} | ${(mb / (ms / 1000)).toFixed(1)} | ${(base / ms).toFixed(1)}× | ${(ms / ceil).toFixed(1)}× |`);
}
if (bunYaml) {
  // Bun.YAML is YAML 1.2: count where it disagrees with the kustomize typing table on the scalar rows.
  const { readFileSync } = await import("node:fs");
  const rowsTsv = readFileSync(new URL("../agent/yaml/testdata/scalars.tsv", import.meta.url), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
  let differ = 0;
  const examples: string[] = [];
  for (const l of rowsTsv) {
    const [raw, expected] = l.split("\t") as [string, string];
    if (expected === "ERROR") continue;
    let got: unknown;
    try {
      got = (bunYaml.parse(`k: ${raw === "<empty>" ? "" : raw}\n`) as { k: unknown }).k;
    } catch {
      got = "<error>";
    }
    if (JSON.stringify(got) !== expected) {
      differ++;
      if (examples.length < 8) examples.push(`${raw}→${JSON.stringify(got)} (kustomize ${expected})`);
    }
  }
  console.log(`Bun.YAML disagrees with kubectl kustomize on ${differ} of ${rowsTsv.length} scalar rows, e.g. ${examples.join(", ")}`);
}
