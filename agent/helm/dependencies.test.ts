// The dependency graph of Helm's own dependency tests (a parent with two subcharts, one of them also
// under an alias, each with two children, tags on two levels, conditions on every dependency), rebuilt
// with our own names and values; the expected outcomes are the ones Helm's TestDependencyEnabled and
// TestProcessDependencyImportValues pin for that graph.
import { describe, expect, test } from "bun:test";
import { loadChart } from "./chart-loader.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import type { Chart, Values } from "./chart.ts";
import { chartValues, processDependencies } from "./values.ts";

const dep = (name: string, extra = "") => `  - name: ${name}\n    version: 0.1.0\n    repository: https://charts.example\n${extra}`;

const tree = textFileTree({
  "Chart.yaml": `apiVersion: v1
name: parent
version: 0.1.0
dependencies:
${dep("web", `    condition: web.enabled
    tags: [front, web]
    import-values:
      - {child: webData, parent: fromWeb}
      - {child: webData, parent: overriddenWeb}
      - {child: fromUi, parent: fromUi}
      - {child: apiExported, parent: .}
      - apiShared
      - webShared
`)}${dep("jobs", "    condition: jobs.enabled\n    tags: [back, jobs]\n")}${dep("jobs", "    alias: batch\n    condition: batch.enabled\n")}`,
  "values.yaml": `fromWeb: {parentExtra: on-parent}
overriddenWeb: {size: 99, label: parent-wins}
fromUi: {parentExtra: 1.5}
tags: {front: true, back: false}
batch: {enabled: false}
`,
  "charts/web/Chart.yaml": `apiVersion: v1
name: web
version: 0.1.0
dependencies:
${dep("ui", `    condition: ui.enabled
    tags: [front, ui]
    import-values:
      - {child: uiData, parent: fromUi}
`)}${dep("api", `    condition: api.enabled
    tags: [front, api]
    import-values:
      - {child: exports.apiShared, parent: exports.apiShared}
      - apiExported
`)}`,
  "charts/web/values.yaml": `webData: {size: 1, label: web, webOnly: true}
fromUi: {webExtra: 2}
exports:
  webShared:
    global:
      shared: {from: web}
`,
  "charts/web/charts/ui/Chart.yaml": "apiVersion: v1\nname: ui\nversion: 0.1.0\n",
  "charts/web/charts/ui/values.yaml": "uiData: {flag: false, ratio: 3.1, nested: {deep: true}}\n",
  "charts/web/charts/api/Chart.yaml": "apiVersion: v1\nname: api\nversion: 0.1.0\n",
  "charts/web/charts/api/values.yaml": `exports:
  apiExported:
    apiExported: {year: 1965}
  apiShared: {weapon: blaster}
`,
  "charts/jobs/Chart.yaml": `apiVersion: v1
name: jobs
version: 0.1.0
dependencies:
${dep("api", "    condition: api.enabled\n    tags: [back, api]\n")}${dep("cron", "    condition: cron.enabled\n    tags: [back, cron]\n")}`,
  "charts/jobs/values.yaml": "replicas: 1\n",
  "charts/jobs/charts/api/Chart.yaml": "apiVersion: v1\nname: api\nversion: 0.1.0\n",
  "charts/jobs/charts/cron/Chart.yaml": "apiVersion: v1\nname: cron\nversion: 0.1.0\n",
});

function names(c: Chart, prefix = ""): string[] {
  const own = prefix + c.metadata.name;
  return [own, ...c.dependencies.flatMap((d) => names(d, `${own}.`))].sort();
}

describe("which subcharts stay enabled", async () => {
  const chart = await loadChart(tree, "parent");
  const cases: Array<[string, Values, string[]]> = [
    ["tags nobody uses change nothing", { tags: { unused: false } }, ["parent", "parent.web", "parent.web.api", "parent.web.ui"]],
    ["a false tag disables its group", { tags: { front: false } }, ["parent"]],
    ["one group off, the other on", { tags: { front: false, back: true } }, ["parent", "parent.jobs", "parent.jobs.api", "parent.jobs.cron"]],
    ["children's own tags false, but another of their tags is true", { tags: { ui: false, api: false } }, ["parent", "parent.web", "parent.web.api", "parent.web.ui"]],
    ["a parent's own true tag re-enables it, not its children", { tags: { front: false, web: true, back: false } }, ["parent", "parent.web"]],
    ["conditions enable parents; children stay off by their tags", { web: { enabled: true }, jobs: { enabled: true } }, ["parent", "parent.jobs", "parent.web", "parent.web.api", "parent.web.ui"]],
    ["conditions off disable the parents and so their children", { web: { enabled: false }, jobs: { enabled: false } }, ["parent"]],
    ["a child's condition is read below its parent's key", { web: { ui: { enabled: false } } }, ["parent", "parent.web", "parent.web.api"]],
    ["tags enable a group, a condition disables one child", { jobs: { cron: { enabled: false } }, tags: { back: true } }, ["parent", "parent.jobs", "parent.jobs.api", "parent.web", "parent.web.api", "parent.web.ui"]],
    ["tags do not enable a child whose parent a condition disabled", { web: { enabled: false }, tags: { front: true } }, ["parent"]],
    ["aliased subcharts respect their own conditions", { web: { enabled: false }, batch: { enabled: true, api: { enabled: true } } }, ["parent", "parent.batch", "parent.batch.api"]],
  ];
  for (const [name, user, want] of cases) test(name, () => expect(names(processDependencies(chart, user))).toEqual(want));
});

describe("import-values through two levels", async () => {
  const chart = await loadChart(tree, "parent");
  const { values } = chartValues(chart, null);
  const at = (path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Values)[k] : undefined), values);
  const cases: Array<[string, unknown]> = [
    ["fromWeb.size", 1],
    ["fromWeb.label", "web"],
    ["fromWeb.parentExtra", "on-parent"],
    ["overriddenWeb.size", 99],
    ["overriddenWeb.label", "parent-wins"],
    ["overriddenWeb.webOnly", true],
    // ui's data went up to web's fromUi, and from there to the parent's, each level's own keys kept.
    ["fromUi.flag", false],
    ["fromUi.ratio", 3.1],
    ["fromUi.nested.deep", true],
    ["fromUi.webExtra", 2],
    ["fromUi.parentExtra", 1.5],
    // exports: the string form lifts exports.<name>'s content to the top.
    ["year", 1965],
    ["weapon", "blaster"],
    ["global.shared.from", "web"],
  ];
  for (const [path, want] of cases) test(`${path} is ${JSON.stringify(want)}`, () => expect(at(path)).toEqual(want));
});
