import { describe, expect, test } from "bun:test";
import { pack } from "../artifact/pack.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { unpack } from "../artifact/unpack.ts";
import { loadChartArchive } from "./chart-loader.ts";
import { mergeValuesFiles, repackageChart } from "./chart-package.ts";

const files = {
  "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.2.3\nappVersion: \"1.0\"\ndescription: a web app\n",
  "web/values.yaml": "replicas: 1\nimage:\n  repository: nginx\n  tag: \"1.25\"\nlabels: [a]\n",
  "web/values-prod.yaml": "replicas: 3\nimage:\n  tag: \"1.26\"\n",
  "web/values-list.yaml": "labels: [b, c]\n",
  "web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
  "web/icon.png": "\u0089PNG",
};
const chartTgz = async () => (await pack(textFileTree(files))).bytes;

describe("mergeValuesFiles", () => {
  test("merges in order: values.yaml is the chart's defaults, maps merge deeply, lists are replaced", async () => {
    const chart = await loadChartArchive(await chartTgz());
    expect(mergeValuesFiles(chart, ["values.yaml", "./values-prod.yaml", "values-list.yaml"])).toEqual({
      values: { replicas: 3, image: { repository: "nginx", tag: "1.26" }, labels: ["b", "c"] },
      used: ["values.yaml", "./values-prod.yaml", "values-list.yaml"],
    });
  });
  test("without values.yaml in the list, the chart's defaults are not included (as Flux)", async () => {
    const chart = await loadChartArchive(await chartTgz());
    expect(mergeValuesFiles(chart, ["values-prod.yaml"]).values).toEqual({ replicas: 3, image: { tag: "1.26" } });
  });
  test.each([
    ["a missing file", ["values.yaml", "values-staging.yaml"], false, "no values file found at path 'values-staging.yaml'"],
    ["a template given as a values file", ["templates/cm.yaml"], false, "no values file found at path 'templates/cm.yaml'"],
  ])("refuses %s", async (_name, paths, ignore, message) => {
    const chart = await loadChartArchive(await chartTgz());
    expect(() => mergeValuesFiles(chart, paths, ignore)).toThrow(message);
  });
  test("skips a missing file when told to, and says which were used", async () => {
    const chart = await loadChartArchive(await chartTgz());
    expect(mergeValuesFiles(chart, ["values.yaml", "values-staging.yaml"], true).used).toEqual(["values.yaml"]);
  });
});

describe("repackageChart", () => {
  test("sets the version and values.yaml and keeps every other file byte for byte", async () => {
    const tgz = await chartTgz();
    const out = await repackageChart(tgz, { version: "1.2.3+4", values: { replicas: 3, image: { tag: "x" } } });
    const chart = await loadChartArchive(out);
    expect(chart.metadata).toMatchObject({ name: "web", version: "1.2.3+4", appVersion: "1.0", description: "a web app" });
    expect(chart.values).toEqual({ image: { tag: "x" }, replicas: 3 });
    const before = await unpack(tgz);
    const after = await unpack(out);
    for (const p of ["web/templates/cm.yaml", "web/icon.png", "web/values-prod.yaml"]) expect(after.read(p)).toEqual(before.read(p)!);
    expect(new TextDecoder().decode(after.read("web/values.yaml"))).toBe("image:\n  tag: x\nreplicas: 3\n");
  });
  test("refuses an archive with two top-level directories", async () => {
    const tgz = (await pack(textFileTree({ "a/Chart.yaml": "name: a\n", "b/Chart.yaml": "name: b\n" }))).bytes;
    await expect(repackageChart(tgz, { version: "1.0.0+1", values: {} })).rejects.toThrow("Cannot package the chart: the archive must hold exactly one top-level directory");
  });
});
