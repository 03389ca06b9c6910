import { describe, expect, test } from "bun:test";
import { textFileTree } from "../artifact/file-tree.ts";
import { unpack } from "../artifact/unpack.ts";
import { loadChart, loadChartArchive } from "./chart-loader.ts";
import { missingDependencies, packageChartDir, subtree } from "./chart-dir-package.ts";

const dir = textFileTree({
  "src/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.2.3\ndescription: a web app\ndependencies:\n  - name: db\n    version: 1.x\n    repository: https://charts.example\n  - name: cache\n    version: 2.x\n    repository: https://charts.example\n",
  "src/web/values.yaml": "# kept as written\nreplicas: 1\n",
  "src/web/templates/a.yaml": "kind: A\n",
  "src/web/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 2.0.0\n",
  "src/web/.helmignore": "*.tmp\n",
  "src/web/scratch.tmp": "x\n",
});

describe("packageChartDir", () => {
  test("writes the kept files under <name>/ with the new version, raw values.yaml and added archives", async () => {
    const sub = await packageChartDir(textFileTree({ "Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n" }), "db", { version: "1.0.0" });
    const tgz = await packageChartDir(subtree(dir, "./src/web/"), "web", { version: "1.2.3+abc", add: [{ name: "db-1.0.0.tgz", data: sub }] });
    const tree = await unpack(tgz);
    expect([...tree.keys()].filter((k) => tree.get(k)!.kind === "file").sort()).toEqual([
      "web/.helmignore", "web/Chart.yaml", "web/charts/cache/Chart.yaml", "web/charts/db-1.0.0.tgz", "web/templates/a.yaml", "web/values.yaml",
    ]);
    expect(new TextDecoder().decode(tree.read("web/values.yaml"))).toBe("# kept as written\nreplicas: 1\n");
    const chart = await loadChartArchive(tgz);
    expect([chart.metadata.version, chart.metadata.description, chart.dependencies.map((d) => d.metadata.name)]).toEqual(["1.2.3+abc", "a web app", ["cache", "db"]]);
  });

  test("replaces values.yaml with the merged values, keys sorted", async () => {
    const tgz = await packageChartDir(subtree(dir, "src/web"), "web", { version: "1.2.3", values: { b: 1, a: { d: 2, c: 3 } } });
    expect(new TextDecoder().decode((await unpack(tgz)).read("web/values.yaml"))).toBe("a:\n  c: 3\n  d: 2\nb: 1\n");
  });
});

describe("missingDependencies", () => {
  test("lists what charts/ does not hold, and nothing once the counts agree", async () => {
    const chart = await loadChart(subtree(dir, "src/web"));
    expect(missingDependencies(chart).map((d) => d.name)).toEqual(["db"]);
    expect(missingDependencies({ ...chart, dependencies: [...chart.dependencies, chart] })).toEqual([]);
  });

  test("Chart.lock's list takes precedence over Chart.yaml's", async () => {
    const chart = await loadChart(subtree(dir, "src/web"));
    const locked = { ...chart, lock: { dependencies: [{ name: "cache", version: "2.0.0", repository: "https://charts.example" }, { name: "queue", version: "3.0.0", repository: "https://charts.example" }] } };
    expect(missingDependencies(locked).map((d) => d.name)).toEqual(["queue"]);
  });
});

test("subtree cannot climb above the tree's root", () => {
  expect(subtree(dir, "../../src/web").read("templates/a.yaml")).toEqual(dir.read("src/web/templates/a.yaml"));
});
