import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { base64Decode } from "../core/bytes.ts";
import type { Chart, ChartMetadata } from "../helm/chart.ts";
import { decodeRelease } from "../helm/release-codec.ts";
import { storedChart } from "./stored-chart.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");

describe.skipIf(!existsSync(fixtures))("the chart as Helm stores it", () => {
  for (const name of ["istio-base-1", "podinfo-helm-1", "prom-stack-1"]) {
    test(`${name}: the loaded chart is stored as Helm stored it, key for key (plus Helm 4's schemamodtime)`, () => {
      const r = decodeRelease(readFileSync(join(fixtures, name), "utf8"));
      const files = r.chart.files.map((f) => ({ name: f.name, data: base64Decode(f.data) }));
      // Chart.yaml's keys in the order a YAML file might give them, not Go's.
      const metadata = Object.fromEntries(Object.entries(r.chart.metadata).reverse()) as unknown as ChartMetadata;
      const chart: Chart = {
        metadata,
        ...(r.chart.lock ? { lock: r.chart.lock } : {}),
        templates: r.chart.templates.map((f) => ({ name: f.name, data: base64Decode(f.data) })),
        crds: [],
        values: r.chart.values ?? {},
        ...(r.chart.schema ? { schema: base64Decode(r.chart.schema) } : {}),
        files,
        dependencies: [],
      };
      const { schemamodtime, ...rest } = storedChart(chart);
      expect(schemamodtime).toBe("0001-01-01T00:00:00Z");
      expect(JSON.stringify(rest)).toBe(JSON.stringify(r.chart));
    });
  }
});

test("empty metadata fields are left out as Go's omitempty does; a dependency keeps name and repository", () => {
  const chart: Chart = {
    metadata: { apiVersion: "v2", name: "a", version: "1.0.0", description: "", deprecated: false, dependencies: [{ name: "b", version: "1.x", condition: "" }] },
    templates: [],
    crds: [],
    values: {},
    files: [],
    dependencies: [],
  };
  expect(storedChart(chart).metadata).toEqual({ name: "a", version: "1.0.0", apiVersion: "v2", dependencies: [{ name: "b", version: "1.x", repository: "" }] });
});
