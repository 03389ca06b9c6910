import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULTS, loadChart, loadChartArchive } from "./chart-loader.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { gzipDeterministic } from "../artifact/gzip.ts";
import { tarHeader, TAR_TRAILER } from "../artifact/tar-write.ts";
import { padded } from "../artifact/tar-format.ts";
import { concat, base64Decode } from "../core/bytes.ts";
import { emitYaml } from "../yaml/emit.ts";
import { decodeRelease } from "./release-codec.ts";
import type { Chart } from "./chart.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const shared = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal");
const haveFixtures = existsSync(shared);

function tgz(files: Record<string, string | Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, body] of Object.entries(files)) {
    const data = typeof body === "string" ? enc.encode(body) : body;
    parts.push(tarHeader({ name, type: "file", mode: 0o644, size: data.length }));
    const padding = new Uint8Array(padded(data.length));
    padding.set(data);
    parts.push(padding);
  }
  parts.push(TAR_TRAILER);
  return gzipDeterministic(concat(parts));
}

const CHART = "apiVersion: v2\nname: web\nversion: 1.2.3\n";
const names = (c: Chart) => ({
  templates: c.templates.map((f) => f.name),
  crds: c.crds.map((f) => f.name),
  files: c.files.map((f) => f.name),
  subcharts: c.dependencies.map((d) => d.metadata.name),
});

describe("loadChart from a directory", () => {
  test("sorts a chart's files into templates, crds, values, schema and files", async () => {
    const c = await loadChart(
      textFileTree({
        "Chart.yaml": CHART,
        "values.yaml": "replicas: 2\nimage: {tag: v1}\n",
        "values.schema.json": '{"type":"object"}',
        "templates/deploy.yaml": "kind: Deployment",
        "templates/_helpers.tpl": "{{/* */}}",
        "templates/NOTES.txt": "hi",
        "crds/widget.yaml": "kind: CustomResourceDefinition",
        "crds/README.md": "not a manifest",
        "files/config.ini": "a=1",
      }),
    );
    expect(c.metadata).toEqual({ apiVersion: "v2", name: "web", version: "1.2.3" });
    expect(c.values).toEqual({ replicas: 2, image: { tag: "v1" } });
    expect(dec.decode(c.schema)).toBe('{"type":"object"}');
    expect(names(c)).toEqual({
      templates: ["templates/NOTES.txt", "templates/_helpers.tpl", "templates/deploy.yaml"],
      crds: ["crds/widget.yaml"],
      files: ["crds/README.md", "crds/widget.yaml", "files/config.ini"],
      subcharts: [],
    });
  });

  test("honours .helmignore and Helm's default of hiding dotfiles in templates/", async () => {
    const c = await loadChart(
      textFileTree({
        "Chart.yaml": CHART,
        ".helmignore": "# comment\n*.bak\nsecret/\n",
        "templates/a.yaml": "",
        "templates/a.yaml.bak": "",
        "templates/.hidden.yaml": "",
        "secret/key": "",
        "notes/keep.txt": "",
      }),
    );
    expect(names(c)).toEqual({ templates: ["templates/a.yaml"], crds: [], files: [".helmignore", "notes/keep.txt"], subcharts: [] });
  });

  test("loads subcharts from directories and archives, skipping _ and . names", async () => {
    const c = await loadChart(
      textFileTree({
        "Chart.yaml": CHART,
        "charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n",
        "charts/db/values.yaml": "size: 1",
        "charts/db/charts/leaf/Chart.yaml": "apiVersion: v2\nname: leaf\nversion: 0.0.1\n",
        "charts/_skipped/Chart.yaml": "apiVersion: v2\nname: skipped\nversion: 0.0.1\n",
        "charts/README.txt": "not a chart",
      }),
    );
    expect(names(c).subcharts).toEqual(["db"]);
    expect(c.dependencies[0]!.values).toEqual({ size: 1 });
    expect(c.dependencies[0]!.dependencies.map((d) => d.metadata.name)).toEqual(["leaf"]);
  });

  test("reads a v1 chart's dependencies from requirements.yaml", async () => {
    const c = await loadChart(
      textFileTree({
        "Chart.yaml": "name: old\nversion: 1.0.0\n",
        "requirements.yaml": "dependencies:\n- name: db\n  version: 1.x\n  condition: db.enabled\n",
      }),
    );
    expect(c.metadata.apiVersion).toBe("v1");
    expect(c.metadata.dependencies).toEqual([{ name: "db", version: "1.x", condition: "db.enabled" }]);
    expect(names(c).files).toEqual(["requirements.yaml"]);
  });

  test("reads Chart.yaml and values.yaml with Helm's YAML 1.1 rules", async () => {
    const c = await loadChart(textFileTree({ "Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: 1.16\n", "values.yaml": "enabled: yes\nmode: 0644\n" }));
    expect([c.metadata.appVersion, c.values]).toEqual(["1.16", { enabled: true, mode: 420 }]);
  });

  test("merges the documents of a values.yaml in order, as Helm 4 does", async () => {
    const c = await loadChart(textFileTree({ "Chart.yaml": CHART, "values.yaml": "a: {p: 1, q: 1}\nl: [1]\n---\na: {q: 2}\nl: [2]\n---\n" }));
    expect(c.values).toEqual({ a: { p: 1, q: 2 }, l: [2] });
  });

  test("keeps a library chart's type", async () => {
    const c = await loadChart(textFileTree({ "Chart.yaml": "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n" }));
    expect(c.metadata.type).toBe("library");
  });

  const refusals: Array<[string, Record<string, string>, string]> = [
    ["no Chart.yaml", { "values.yaml": "" }, "Cannot load chart <dir>: Chart.yaml file is missing"],
    ["no name", { "Chart.yaml": "apiVersion: v2\nversion: 1.0.0\n" }, "Cannot load chart <dir>: Chart.yaml: validation: chart.metadata.name is required"],
    ["no version", { "Chart.yaml": "apiVersion: v2\nname: web\n" }, "Cannot load chart web: Chart.yaml: validation: chart.metadata.version is required"],
    ["a bad version", { "Chart.yaml": "apiVersion: v2\nname: web\nversion: one\n" }, 'Cannot load chart web: Chart.yaml: validation: chart.metadata.version "one" is invalid'],
    ["a bad type", { "Chart.yaml": `${CHART}type: plugin\n` }, "Cannot load chart web: Chart.yaml: validation: chart.metadata.type must be application or library"],
    ["a bad alias", { "Chart.yaml": `${CHART}dependencies:\n- name: db\n  alias: a.b\n` }, 'Cannot load chart web: Chart.yaml: validation: dependency "db" has disallowed characters in the alias'],
    ["a name that is a dot", { "Chart.yaml": "apiVersion: v2\nname: ..\nversion: 1.0.0\n" }, 'Cannot load chart ..: Chart.yaml: validation: chart.metadata.name ".." is not allowed'],
    ["a name with a slash", { "Chart.yaml": "apiVersion: v2\nname: a/b\nversion: 1.0.0\n" }, 'Cannot load chart a/b: Chart.yaml: validation: chart.metadata.name "a/b" is invalid'],
    ["an unknown apiVersion", { "Chart.yaml": "apiVersion: v9\nname: web\nversion: 1.0.0\n" }, 'Cannot load chart web: Chart.yaml: validation: chart.metadata.apiVersion "v9" is not supported'],
    ["two dependencies under one name", { "Chart.yaml": `${CHART}dependencies:\n- name: db\n- name: cache\n  alias: db\n` }, 'Cannot load chart web: Chart.yaml: validation: more than one dependency with name or alias "db"'],
    ["a null dependency", { "Chart.yaml": `${CHART}dependencies:\n- ~\n` }, "Cannot load chart web: Chart.yaml: validation: dependencies must not contain empty or null nodes"],
    ["values that are not a map", { "Chart.yaml": CHART, "values.yaml": "- a\n" }, "Cannot load chart web: Cannot parse values.yaml: document 1 is not a map"],
  ];
  for (const [what, files, message] of refusals) {
    test(`refuses a chart with ${what}`, async () => {
      await expect(loadChart(textFileTree(files))).rejects.toThrow(message);
    });
  }

  test("refuses a file over the size limit, naming it", async () => {
    const tree = textFileTree({ "Chart.yaml": CHART, "files/big.bin": "x".repeat(51) });
    await expect(loadChart(tree, "web", { maxFileBytes: 50 })).rejects.toThrow("Cannot load chart web: files/big.bin is 51 bytes, over the 50-byte limit for one file");
    await expect(loadChart(tree, "web", { maxChartBytes: 60 })).rejects.toThrow("Cannot load chart web: files/big.bin takes the chart over its size limit");
    expect(DEFAULTS.maxFileBytes).toBe(5 * 1024 * 1024);
  });
});

describe("loadChartArchive", () => {
  test("strips the one top-level directory and loads subchart archives inside it", async () => {
    const sub = tgz({ "db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n", "db/templates/s.yaml": "kind: Service" });
    const c = await loadChartArchive(tgz({ "web/Chart.yaml": CHART, "web/templates/d.yaml": "kind: Deployment", "web/charts/db-0.1.0.tgz": sub }), "web-1.2.3.tgz");
    expect(names(c)).toEqual({ templates: ["templates/d.yaml"], crds: [], files: [], subcharts: ["db"] });
    expect(c.dependencies[0]!.templates.map((f) => f.name)).toEqual(["templates/s.yaml"]);
  });

  test("does not apply .helmignore, as Helm does not for archives", async () => {
    const c = await loadChartArchive(tgz({ "web/Chart.yaml": CHART, "web/.helmignore": "*.md\n", "web/README.md": "x" }));
    expect(names(c).files).toEqual([".helmignore", "README.md"]);
  });

  test.each([
    ["two top-level entries", { "web/Chart.yaml": CHART, "other/x": "" }, "Cannot load chart web.tgz: the archive must hold exactly one top-level directory, it holds other, web"],
    ["a file at the top", { "Chart.yaml": CHART }, "Cannot load chart web.tgz: the archive must hold exactly one top-level directory, it holds Chart.yaml"],
    ["a parent path", { "web/Chart.yaml": CHART, "web/../../etc/passwd": "" }, 'Cannot load chart web.tgz: Cannot extract the tar archive: entry "web/../../etc/passwd" escapes the target directory'],
    ["an absolute path", { "/web/Chart.yaml": CHART }, 'Cannot load chart web.tgz: Cannot extract the tar archive: entry "/web/Chart.yaml" has an absolute path'],
  ] as Array<[string, Record<string, string>, string]>)("refuses %s", async (_, files, message) => {
    await expect(loadChartArchive(tgz(files), "web.tgz")).rejects.toThrow(message);
  });

  test("names the subchart archive that fails", async () => {
    const bad = tgz({ "db/values.yaml": "" });
    await expect(loadChartArchive(tgz({ "web/Chart.yaml": CHART, "web/charts/db.tgz": bad }))).rejects.toThrow("Cannot load chart web/charts/db.tgz: Chart.yaml file is missing");
  });
});

// Skipped when ../shared/fixtures is absent (a checkout without the shared fixtures).
describe.skipIf(!haveFixtures)("loader on real charts", () => {
  test("helm-controller's chart-0.1.0.tgz loads as chart 0.1.0", async () => {
    const c = await loadChartArchive(readFileSync(join(shared, "loader", "testdata", "chart-0.1.0.tgz")), "chart-0.1.0.tgz");
    expect([c.metadata.name, c.metadata.version, c.metadata.appVersion, c.metadata.apiVersion]).toEqual(["chart", "0.1.0", "1.16.0", "v2"]);
    expect(c.templates.length).toBeGreaterThan(0);
  });

  test("istio-base's stored chart, written out as a directory, loads back to the same parts", async () => {
    const r = decodeRelease(readFileSync(join(shared, "release", "testdata", "istio-base-1"), "utf8"));
    const files: Record<string, string> = { "Chart.yaml": emitYaml(r.chart.metadata), "values.yaml": emitYaml(r.chart.values) };
    for (const f of [...r.chart.templates, ...r.chart.files]) files[f.name] = dec.decode(base64Decode(f.data));
    const c = await loadChart(textFileTree(files), "istio-base");
    expect(c.metadata.name).toBe("base");
    expect(c.values).toEqual(r.chart.values!);
    expect(c.templates.map((t) => t.name)).toEqual(r.chart.templates.map((t) => t.name).sort());
    expect(c.files.map((f) => f.name).sort()).toEqual(r.chart.files.map((f) => f.name).sort());
    expect(c.crds.map((f) => f.name)).toEqual(r.chart.files.map((f) => f.name).filter((n) => n.startsWith("crds/")).sort());
  });
});
