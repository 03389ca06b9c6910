/**
 * Helm template engine benchmark: render throughput (charts/s) of the WASM module against the native
 * build of the same Go program (the oracle), on a small real chart (istio-base 1.13.3 from
 * ../shared/fixtures, 11 templates) and a large generated one (150 templates over shared helpers:
 * include, toYaml, range, tpl). Both sides do the same work per render: decode the JSON request, render,
 * encode the JSON response (native: `helm-template-native -repeat N`, timed inside Go; WASM: the facade
 * in this process, request already built). Also the module's load time (bytes read, compiled,
 * instantiated and started, up to the first render) and the RSS it adds, measured in fresh processes on
 * Bun and Deno. Writes bench/helm-template.md.
 *
 *   npm run build:wasm && bun bench/helm-template.ts
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { createTemplateEngine, encodeRequest, type RenderRequest, type TemplateScope } from "../agent/helm/template-engine.ts";
import { helmTemplateBuild, helmWasmPort } from "../agent/runtime/helm-wasm.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = join(import.meta.dirname, "..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const say = (s: string) => console.error(`[bench] ${s}`);
const MiB = 1024 * 1024;

function scope(chart: TemplateScope["chart"], values: Record<string, unknown>, files: TemplateScope["files"] = []): TemplateScope {
  return { chart, values, files };
}

/** .Release and .Capabilities, sent once per request. */
const shared = {
  release: { name: "bench", namespace: "bench", isInstall: true, isUpgrade: false, revision: 1, service: "Helm" },
  capabilities: { kubeVersion: { version: "v1.28.0", major: "1", minor: "28" }, apiVersions: ["v1", "apps/v1"], helmVersion: { version: "v3.19.0" } },
};

function istio(): RenderRequest {
  const raw = readFileSync(join(root, "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata", "istio-base-1"), "utf8");
  const rel = JSON.parse(gunzipSync(Buffer.from(raw, "base64")).toString());
  const name = rel.chart.metadata.name as string;
  return {
    templates: rel.chart.templates.map((t: { name: string; data: string }) => ({ name: `${name}/${t.name}`, data: Buffer.from(t.data, "base64").toString() })),
    scopes: { [name]: scope(rel.chart.metadata, rel.chart.values, rel.chart.files.map((f: { name: string; data: string }) => ({ name: f.name, data: Buffer.from(f.data, "base64") }))) },
    ...shared,
  };
}

/** 150 templates, each a Deployment, Service and ConfigMap over shared helpers, as large app charts are. */
function large(n = 150): RenderRequest {
  const helpers = `{{- define "big.fullname" -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "big.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}`;
  const body = (i: number) => `{{- $c := index .Values.components "c${i}" }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "big.fullname" . }}-c${i}
  labels:
    {{- include "big.labels" . | nindent 4 }}
spec:
  replicas: {{ $c.replicas }}
  template:
    spec:
      containers:
        - name: c${i}
          image: "{{ $c.image.repository }}:{{ $c.image.tag | default .Chart.AppVersion }}"
          env:
          {{- range $k, $v := $c.env }}
            - name: {{ $k | upper }}
              value: {{ $v | quote }}
          {{- end }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "big.fullname" . }}-c${i}
spec:
  ports:
  {{- range $c.ports }}
    - port: {{ . }}
      targetPort: {{ add . 1000 }}
  {{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "big.fullname" . }}-c${i}
data:
  note: {{ tpl $c.note . | quote }}
  checksum: {{ toJson $c | sha256sum }}
`;
  const components: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    components[`c${i}`] = {
      replicas: (i % 3) + 1,
      image: { repository: `registry.example.com/team/c${i}`, tag: i % 2 ? `1.${i}.0` : null },
      env: { LOG_LEVEL: "info", INDEX: String(i), REGION: "eu-west-1" },
      resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "64Mi" } },
      ports: [8080, 9090],
      note: "{{ .Release.Name }} component in {{ .Release.Namespace }}",
    };
  }
  const templates = [{ name: "big/templates/_helpers.tpl", data: helpers }];
  for (let i = 0; i < n; i++) templates.push({ name: `big/templates/c${i}.yaml`, data: body(i) });
  return { templates, scopes: { big: scope({ name: "big", version: "1.0.0", appVersion: "2.0.0" }, { components }) }, ...shared };
}

async function wasmRate(request: RenderRequest, renders: number): Promise<number> {
  const engine = createTemplateEngine(helmWasmPort);
  await engine.render(request); // load and warm up
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    for (let i = 0; i < renders; i++) {
      const out = await engine.render(request);
      if ("error" in out) throw new Error(out.error);
    }
    rates.push(renders / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

/** The native oracle's rate; GOMAXPROCS=1 shows what Go's concurrent GC on a second core is worth. */
function nativeRate(request: RenderRequest, renders: number, maxProcs?: number): number {
  const { json, fileBytes } = encodeRequest(request);
  const input = Buffer.concat([Buffer.from(`${json}\n`), fileBytes]);
  const env = { ...process.env, ...(maxProcs ? { GOMAXPROCS: String(maxProcs) } : {}) };
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const p = spawnSync(fileURLToPath(helmTemplateBuild.native), ["-repeat", String(renders)], { input, env, encoding: "utf8", maxBuffer: 256 * MiB });
    if (p.status !== 0) throw new Error(`native oracle failed: ${p.stderr}`);
    rates.push(1e9 / Number(p.stderr.trim()));
  }
  return median(rates);
}

/** In a fresh process: RSS before, load (to the end of the first, tiny render), RSS after, after the large chart. */
async function probe(): Promise<void> {
  const rss = () => process.memoryUsage().rss;
  const before = rss();
  const engine = createTemplateEngine(helmWasmPort);
  const start = performance.now();
  await engine.render({ templates: [{ name: "c/templates/a.yaml", data: "{{ .Values.x }}" }], scopes: { c: scope({ name: "c" }, { x: 1 }) }, ...shared });
  const loadMs = performance.now() - start;
  const loaded = rss();
  // The first render of a chart parses every template; later ones find the parsed trees in the module.
  const cold = performance.now();
  await engine.render(large());
  const firstLargeMs = performance.now() - cold;
  for (let i = 0; i < 4; i++) await engine.render(large());
  console.log(JSON.stringify({ loadMs, firstLargeMs, before, loaded, afterLarge: rss() }));
}

type Probe = { loadMs: number; firstLargeMs: number; before: number; loaded: number; afterLarge: number };

function probeIn(runtime: "bun" | "deno"): Probe {
  const bin = join(root, "node_modules", ".bin", runtime);
  const args = runtime === "bun" ? [fileURLToPath(import.meta.url), "--probe"] : ["run", "-A", "--config", join(root, "deno.json"), fileURLToPath(import.meta.url), "--probe"];
  const runs: Probe[] = [];
  for (let r = 0; r < RUNS; r++) {
    const p = spawnSync(bin, args, { encoding: "utf8", cwd: root });
    if (p.status !== 0) throw new Error(`${runtime} probe failed: ${p.stderr}`);
    runs.push(JSON.parse(p.stdout.trim().split("\n").pop()!) as Probe);
  }
  const pick = (f: (p: Probe) => number) => median(runs.map(f));
  return { loadMs: pick((p) => p.loadMs), firstLargeMs: pick((p) => p.firstLargeMs), before: pick((p) => p.before), loaded: pick((p) => p.loaded), afterLarge: pick((p) => p.afterLarge) };
}

async function main(): Promise<void> {
  const load = loadavg()[0]!.toFixed(2);
  say(`load average ${load}; ${RUNS} runs each`);
  const charts = [
    { name: "istio-base (11 templates)", request: istio(), renders: 200 },
    { name: "generated (150 templates)", request: large(), renders: 20 },
  ];
  const rows: string[] = [];
  for (const c of charts) {
    const wasm = await wasmRate(c.request, c.renders);
    const native = nativeRate(c.request, c.renders);
    const native1 = nativeRate(c.request, c.renders, 1);
    say(`${c.name}: WASM ${wasm.toFixed(1)}/s, native ${native.toFixed(1)}/s, native on one core ${native1.toFixed(1)}/s`);
    rows.push(`| ${c.name} | ${wasm.toFixed(1)} | ${native.toFixed(1)} | ${(native / wasm).toFixed(2)}× | ${native1.toFixed(1)} | ${(native1 / wasm).toFixed(2)}× |`);
  }
  if (process.argv.includes("--throughput")) return;
  const probes = (["bun", "deno"] as const).map((rt) => {
    const p = probeIn(rt);
    say(`${rt}: load ${p.loadMs.toFixed(0)} ms, first large render ${p.firstLargeMs.toFixed(0)} ms, RSS +${((p.loaded - p.before) / MiB).toFixed(1)} MiB loaded, +${((p.afterLarge - p.before) / MiB).toFixed(1)} MiB after the large chart`);
    return `| ${rt} | ${p.loadMs.toFixed(0)} ms | ${p.firstLargeMs.toFixed(0)} ms | ${(p.before / MiB).toFixed(1)} MiB | +${((p.loaded - p.before) / MiB).toFixed(1)} MiB | +${((p.afterLarge - p.before) / MiB).toFixed(1)} MiB |`;
  });
  const wasmSize = (readFileSync(helmTemplateBuild.wasm).length / MiB).toFixed(1);
  const md = `# Helm template engine (WASM vs native Go)

\`bun bench/helm-template.ts\` (${new Date().toISOString().slice(0, 10)}, load average ${load} on the 2-core machine, medians of ${RUNS} runs).
The module is wasm/helm-template built for js/wasm (${wasmSize} MiB, Go 1.19.8); the peer is the same Go
program built natively. Each render decodes the JSON request (file bytes beside it), renders every template
and answers (a JavaScript object from WASM, JSON from the native build); the requests repeat, so parsed
templates come from the module's cache after the first render on both sides.

| chart | WASM charts/s | native charts/s | native / WASM | native, GOMAXPROCS=1 | that / WASM |
|---|---|---|---|---|---|
${rows.join("\n")}

Goal: WASM within 3× of native.

## Load and memory

Fresh process per run: RSS before anything loads, load time (read ${wasmSize} MiB, compile, instantiate,
start Go's runtime, first tiny render), RSS added by the loaded module, and after five renders of the large
chart. The module loads only on the first render, so an agent with no HelmRelease keeps its idle memory.

| runtime | load | first render of the large chart | RSS before | + loaded | + after large chart ×5 |
|---|---|---|---|---|---|
${probes.join("\n")}

Goal: load under 200 ms.

## Before and after the engine changes (bench/against.sh, one run)

\`TMPDIR=/work BENCH_RUNS=5 bash bench/against.sh c1e2a8f 2 -- bun bench/helm-template.ts --throughput\`
(2026-12-06, load average 2.6–4.0), charts/s, two rounds each:

| chart | WASM before | native before | ratio before | WASM after | native after | ratio after |
|---|---|---|---|---|---|---|
| istio-base (11 templates) | 50.5, 65.0 | 186.5, 222.8 | 3.7×, 3.4× | 401.2, 544.9 | 2403.3, 2515.3 | 6.0×, 4.6× |
| generated (150 templates) | 3.8, 4.1 | 12.2, 17.0 | 3.2×, 4.1× | 13.7, 14.3 | 53.9, 52.7 | 3.9×, 3.7× |

The WASM engine renders 8× (istio-base) and 3.5× (generated) as many charts a second as before, and
now more than the native build of the engine before the change, which did what Helm's engine does (parse
every template at every render, clone the set for every \`tpl\`). The ratio to the native build of the
same program did not fall below 3×: the native build gained as much from the same changes (they are in
the Go program both builds share), and what is left is WASM's own cost (below).

## Where the time goes (measured 2026-12-06 on the shared 2-core machine, load average 3–8)

Measured by hand with the native build's Go profiler, and in WASM by timing the module's function on the
same request (best of several batches, so other work on the machine counts least).

- **Parsing was the dearest step in WASM.** Go 1.19's template lexer runs in its own goroutine and hands
  every token over a channel; in WASM each goroutine switch unwinds and rewinds the stack. Parsing the
  generated chart alone (its templates as partials) took 82 ms of a 130 ms render in WASM, 15 ms natively.
  The module now keeps parsed trees between renders, by template name and text (trees are read-only, so
  sets share them; the cache starts afresh past 4 MiB of text). An agent renders the same chart at every
  reconcile, so only the first render of a chart parses (the "first render" column also pays the JIT's
  warm-up: in a fresh module the first four renders of the large chart took 1274–1555, 574–675, 474–487
  and 560–606 ms before this change, 917–1053, 117–280, 215–261 and 210–272 ms after, at load average 3.4).
- **\`tpl\` cloned the whole template set per call** (every template and both function maps), as Helm does:
  38% of a native render of the generated chart, which calls \`tpl\` once per template. A text that can only
  replace itself in the clone (no \`define\`, \`block\` or comment, not blank) now reuses the clone of the
  previous such call; anything else still gets a fresh clone. Native render 55 → 30 ms.
- **Files were base64 in the JSON request**: istio-base carries 568 KiB of CRD bundles for \`.Files\`, and
  decoding them was 83% of its render. File bytes now travel beside the JSON (one copy into the module):
  istio-base in WASM 13 ms → 1.1–1.8 ms a render.
- **Registering Sprig's ~200 functions per render** (each checked by reflection) was a tenth of a small
  chart's render: they are registered once and the empty set cloned per render. The WASM build answers
  with a JavaScript object instead of JSON that JavaScript parsed again.
- **GC**: WASM has one thread, so every collection stops the render (natively it runs beside it). GOGC 200
  in the WASM build: the generated chart ~25% faster than at 100, for ~10 MiB more peak memory (31 → 56 MiB
  of WASM memory, RSS +8–10 MiB); 400 gained little more for twice that.
- \`.Release\` and \`.Capabilities\` travel once per request instead of once per chart scope: the shop test
  chart (3 enabled charts) with a discovery-sized set of 700 API versions sends 27 KB instead of 73 KB.
- **What is left is Go 1.19's js/wasm code generation**: text/template's execution is reflection-heavy and
  runs 3–4× slower in WASM than natively (no register ABI, emulated goroutine stacks). Small charts render
  in 0.1–0.4 ms natively, so the fixed cost of a call into the module (~0.3 ms: the JS↔Go call, the set
  clone, decoding the request) keeps their ratio above 3× though the absolute time is small. Deno and Bun
  compile 9.4 MiB of WASM in 130–240 ms depending on the machine's load: the 200 ms load goal holds on a
  quiet machine only.
`;
  writeFileSync(join(root, "bench", "helm-template.md"), md);
  console.log(md);
}

if (process.argv.includes("--probe")) await probe();
else await main();
