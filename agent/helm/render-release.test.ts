import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { base64Decode } from "../core/bytes.ts";
import { helmWasmPort } from "../runtime/helm-wasm.ts";
import type { Chart, ChartMetadata } from "./chart.ts";
import { decodeRelease, type Release } from "./release-codec.ts";
import { defaultCapabilities, renderChart } from "./render.ts";
import { createTemplateEngine } from "./template-engine.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const haveFixtures = existsSync(fixtures);
const haveEngine = existsSync(new URL("../../wasm/helm-template/build/helm-template.wasm", import.meta.url));
const engine = createTemplateEngine(helmWasmPort);

/** The chart a stored release holds, as the loader would have built it (Helm stores no subcharts). */
function chartOf(r: Release): Chart {
  const files = r.chart.files.map((f) => ({ name: f.name, data: base64Decode(f.data) }));
  return {
    metadata: r.chart.metadata as unknown as ChartMetadata,
    templates: r.chart.templates.map((f) => ({ name: f.name, data: base64Decode(f.data) })),
    crds: files.filter((f) => f.name.startsWith("crds/")),
    values: r.chart.values ?? {},
    files,
    dependencies: [],
  };
}

// Skipped when ../shared/fixtures is absent (a checkout without the shared fixtures) or the engine is
// not built (npm run build:wasm).
describe.skipIf(!haveFixtures || !haveEngine)("rendering Helm's stored releases again", () => {
  test("istio-base-1: the chart renders to the stored manifest and notes byte for byte", async () => {
    const r = decodeRelease(readFileSync(join(fixtures, "istio-base-1"), "utf8"));
    // Stored by Helm 3, which trimmed both ends of each document.
    const out = await renderChart(engine, chartOf(r), { release: { name: r.name, namespace: r.namespace, revision: r.version }, values: r.config ?? null, style: "helm3" });
    expect(out.manifest).toBe(r.manifest);
    expect(out.notes).toBe(r.info.notes!);
    expect(out.hooks).toEqual([]);
    expect(out.crds.map((c) => c.name)).toEqual(r.chart.files.filter((f) => f.name.startsWith("crds/")).map((f) => `base/${f.name}`));
  });

  test("istio-base-1 in Helm 4.2's style: the same documents, each template's last one keeping its newline", async () => {
    const r = decodeRelease(readFileSync(join(fixtures, "istio-base-1"), "utf8"));
    const out = await renderChart(engine, chartOf(r), { release: { name: r.name, namespace: r.namespace } });
    expect(out.manifest).not.toBe(r.manifest);
    expect(out.manifest.replace(/\n+(?=---\n# Source: )/g, "\n").replace(/\n+$/, "\n")).toBe(r.manifest);
  });

  test("prom-stack-1: every document and hook of the parent chart renders as stored, and the notes too", async () => {
    // Helm stores no subchart templates, so only the parent's 85 documents and 7 of 8 hooks can be
    // compared; the cluster was Kubernetes 1.23-era (the release is from 2022).
    const r = decodeRelease(readFileSync(join(fixtures, "prom-stack-1"), "utf8"));
    const out = await renderChart(engine, chartOf(r), {
      release: { name: r.name, namespace: r.namespace, revision: r.version },
      values: r.config ?? null,
      style: "helm3",
      capabilities: defaultCapabilities({ kubeVersion: "v1.23.6" }),
    });
    const docs = (m: string) => m.split("---\n# Source: ").slice(1);
    const parent = (path: string) => !path.startsWith(`${r.chart.metadata.name}/charts/`);
    // Helm 3.8 did not yet list the webhook configurations in its install order (they sorted as unknown
    // kinds, alphabetically); Helm 4.2 installs them last. Without them the order is the stored one.
    const webhook = (d: string) => /\nkind: (Mutating|Validating)WebhookConfiguration\n/.test(d);
    const stored = docs(r.manifest).filter(parent);
    expect(docs(out.manifest).filter((d) => !webhook(d))).toEqual(stored.filter((d) => !webhook(d)));
    expect(docs(out.manifest).filter(webhook)).toEqual(stored.filter(webhook));
    expect(docs(out.manifest)).toHaveLength(85);
    const hook = (h: { path: string; name: string; manifest: string }) => `${h.path} ${h.name}\n${h.manifest}`;
    expect(out.hooks.map(hook)).toEqual(r.hooks!.filter((h) => parent(h.path)).map(hook));
    expect(out.hooks).toHaveLength(7);
    expect(out.notes).toBe(r.info.notes!);
  });
});
