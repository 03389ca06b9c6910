/**
 * What values.schema.json validation costs: the time to import @cfworker/json-schema and our two modules
 * (first import in this process), and validateValues on a large generated schema (a chart with 400
 * components of 12 typed, ranged, patterned properties each, ~5,000 subschemas, like the biggest
 * public chart schemas) with values that pass and with values that fail in 400 places (the message
 * rebuilding included). The first call compiles the schema; later ones reuse it (median of the rest). Run: `bun bench/values-schema.ts`,
 * `deno run -A bench/values-schema.ts`. Bundle size: see values-schema.md for the command.
 */
const t0 = performance.now();
const { validateValues } = await import("../agent/helm/values-schema.ts");
const importMs = performance.now() - t0;

import type { Chart, Values } from "../agent/helm/chart.ts";

const RUNS = 9;
const COMPONENTS = 400;

function component(i: number): Record<string, unknown> {
  return {
    type: "object",
    additionalProperties: false,
    required: ["enabled", "image"],
    properties: {
      enabled: { type: "boolean" },
      replicas: { type: "integer", minimum: 0, maximum: 100 },
      image: {
        type: "object",
        required: ["repository"],
        properties: { repository: { type: "string", pattern: "^[a-z0-9./-]+$" }, tag: { type: "string", minLength: 1 }, pullPolicy: { enum: ["Always", "IfNotPresent", "Never"] } },
      },
      resources: { $ref: "#/$defs/resources" },
      env: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" }, value: { type: ["string", "null"] } } } },
      labels: { type: "object", additionalProperties: { type: "string" } },
      port: { type: "integer", exclusiveMinimum: 0, maximum: 65535 },
      mode: { anyOf: [{ const: "a" }, { const: "b" }, { type: "null" }] },
      note: { type: "string", maxLength: 200 + i },
    },
  };
}

const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: { resources: { type: "object", properties: { limits: { type: "object", additionalProperties: { type: ["string", "number"] } } } } },
  properties: Object.fromEntries(Array.from({ length: COMPONENTS }, (_, i) => [`c${i}`, component(i)])),
};

function values(bad: boolean): Values {
  return Object.fromEntries(
    Array.from({ length: COMPONENTS }, (_, i) => [
      `c${i}`,
      {
        enabled: true,
        replicas: bad ? -1 : 3,
        image: { repository: "ghcr.io/example/app", tag: "1.0.0", pullPolicy: "IfNotPresent" },
        resources: { limits: { cpu: "500m", memory: 128 } },
        env: [{ name: "A", value: "1" }, { name: "B", value: null }],
        labels: { app: `c${i}` },
        port: 8080,
        mode: "a",
        note: "x",
      },
    ]),
  );
}

const schemaBytes = new TextEncoder().encode(JSON.stringify(schema));
const chart: Chart = { metadata: { apiVersion: "v2", name: "big", version: "1.0.0" }, templates: [], crds: [], values: {}, schema: schemaBytes, files: [], dependencies: [] };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The first call (which compiles the schema) and the median of the rest (compiled validator reused). */
function time(f: () => void): { first: number; again: number } {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    f();
    runs.push(performance.now() - t);
  }
  return { first: runs[0]!, again: median(runs.slice(1)) };
}

const good = values(false);
const bad = values(true);
let message = "";
const pass = time(() => validateValues(chart, good));
const fail = time(() => {
  try {
    validateValues(chart, bad);
  } catch (e) {
    message = (e as Error).message;
  }
});

const runtime = "Bun" in globalThis ? "Bun" : "Deno" in globalThis ? "Deno" : "Node";
console.log(`${runtime}: import ${importMs.toFixed(1)} ms; schema ${(schemaBytes.length / 1024).toFixed(0)} KiB, ${COMPONENTS} components`);
console.log(`  validate (passes): first ${pass.first.toFixed(1)} ms (compiles), then ${pass.again.toFixed(1)} ms`);
console.log(`  validate (${message.split("\n").length - 3} failure lines): ${fail.again.toFixed(1)} ms`);
