/**
 * Loads a Helm chart from a directory (any TreeReader) or a `.tgz`, as Helm 4.2's chart loader does
 * (pkg/chart/v2/loader; read, not copied): Chart.yaml (apiVersion v2, or v1 with requirements.yaml),
 * Chart.lock, values.yaml, values.schema.json (kept raw), templates/, crds/ (kept apart, never templated),
 * every other file for `.Files`, and subcharts in charts/ (directories and `.tgz`, recursively; names
 * starting with `_` or `.` skipped, as Helm skips them). A directory honours its `.helmignore` (gitignore
 * syntax, plus Helm's default of ignoring hidden files under templates/); an archive does not, as in Helm,
 * where `helm package` has applied it already. Safe by default: an archive must hold exactly one top-level
 * directory, absolute and `..` paths are refused, and file and chart sizes are capped (DEFAULTS). Every
 * error names the chart and the file. Symlinks in a directory are skipped (Helm follows them).
 */
import ignore from "ignore";
import type { TreeReader } from "../core/tree-reader.ts";
import { unpack } from "../artifact/unpack.ts";
import type { Chart, ChartDependency, ChartFile, ChartMetadata, Values } from "./chart.ts";
import { chartYamlStrings, loadValues, parseHelmYaml, type StringField } from "./values-yaml.ts";
import { readPatterns } from "../artifact/source-ignore.ts";

export const DEFAULTS = {
  /** Largest single file, as Helm's MaxDecompressedFileSize (5 MiB). */
  maxFileBytes: 5 * 1024 * 1024,
  /** Largest chart, all files and subcharts together, as Helm's MaxDecompressedChartSize (100 MiB). */
  maxChartBytes: 100 * 1024 * 1024,
  /** Subcharts nested deeper than this are refused (a chart that contains itself). */
  maxDepth: 20,
  /** Patterns Helm adds to every .helmignore. */
  helmignoreDefaults: ["templates/.?*"],
} as const;

export interface LoadOptions {
  maxFileBytes?: number;
  maxChartBytes?: number;
}

interface Budget {
  maxFileBytes: number;
  left: number;
}

const PREFIX = "Cannot load chart";
const dec = new TextDecoder();

/** Loads the chart whose Chart.yaml is at the root of `tree`; `label` names it in errors until Chart.yaml is read. */
export async function loadChart(tree: TreeReader, label = "<dir>", options: LoadOptions = {}): Promise<Chart> {
  const budget = budgetOf(options);
  const files = readDir(tree, label, budget);
  return loadFiles(files, label, budget, 0);
}

/** The files of a chart directory that its .helmignore keeps, in path order, within the size limits. */
export function chartDirFiles(tree: TreeReader, label = "<dir>", options: LoadOptions = {}): ChartFile[] {
  return readDir(tree, label, budgetOf(options));
}

/** Loads a packaged chart: a gzipped tar with exactly one top-level directory holding the chart. */
export async function loadChartArchive(tgz: Uint8Array, label = "<archive>", options: LoadOptions = {}): Promise<Chart> {
  const budget = budgetOf(options);
  return loadFiles(await archiveFiles(tgz, label, budget), label, budget, 0);
}

function budgetOf(options: LoadOptions): Budget {
  return { maxFileBytes: options.maxFileBytes ?? DEFAULTS.maxFileBytes, left: options.maxChartBytes ?? DEFAULTS.maxChartBytes };
}

function take(budget: Budget, label: string, name: string, data: Uint8Array): void {
  if (data.length > budget.maxFileBytes) {
    throw new Error(`${PREFIX} ${label}: ${name} is ${data.length} bytes, over the ${budget.maxFileBytes}-byte limit for one file`);
  }
  budget.left -= data.length;
  if (budget.left < 0) throw new Error(`${PREFIX} ${label}: ${name} takes the chart over its size limit`);
}

function checkPath(label: string, name: string): void {
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) throw new Error(`${PREFIX} ${label}: ${name} is an absolute path`);
  if (name.split(/[/\\]/).includes("..")) throw new Error(`${PREFIX} ${label}: ${name} refers to a parent directory`);
}

/** Every file of a chart directory that .helmignore keeps, in path order. */
function readDir(tree: TreeReader, label: string, budget: Budget): ChartFile[] {
  const rules = ignore().add([...DEFAULTS.helmignoreDefaults]);
  const ignoreFile = tree.read(".helmignore");
  if (ignoreFile) rules.add(readPatterns(dec.decode(ignoreFile)));
  const out: ChartFile[] = [];
  const walk = (dir: string): void => {
    for (const e of tree.list(dir)) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      checkPath(label, path);
      if (e.kind === "other") continue;
      if (e.kind === "dir") {
        if (!rules.ignores(`${path}/`)) walk(path);
        continue;
      }
      if (rules.ignores(path)) continue;
      const data = tree.read(path);
      if (!data) continue;
      take(budget, label, path, data);
      out.push({ name: path, data });
    }
  };
  walk("");
  return out;
}

async function archiveFiles(tgz: Uint8Array, label: string, budget: Budget): Promise<ChartFile[]> {
  let tree;
  try {
    tree = await unpack(tgz, { maxSize: budget.left, skipSymlinks: true });
  } catch (err) {
    throw new Error(`${PREFIX} ${label}: ${(err as Error).message}`, { cause: err });
  }
  const top = tree.list("");
  const dirs = top.filter((e) => e.kind === "dir");
  if (dirs.length !== 1 || top.length !== 1) {
    const names = top.map((e) => e.name).join(", ") || "nothing";
    throw new Error(`${PREFIX} ${label}: the archive must hold exactly one top-level directory, it holds ${names}`);
  }
  const root = `${dirs[0]!.name}/`;
  const out: ChartFile[] = [];
  for (const [path, node] of [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (node.kind !== "file") continue;
    const name = path.slice(root.length);
    checkPath(label, name);
    take(budget, label, name, node.data);
    out.push({ name, data: node.data });
  }
  return out;
}

/** Chart files are read with Helm's YAML rules (values-yaml.ts), not the manifest parser's. */
function parseYamlFile(label: string, f: ChartFile, strings?: StringField): unknown {
  try {
    return parseHelmYaml(dec.decode(f.data), f.name, strings);
  } catch (err) {
    throw new Error(`${PREFIX} ${label}: ${(err as Error).message}`, { cause: err });
  }
}

function asTable(label: string, f: ChartFile, v: unknown): Values {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new Error(`${PREFIX} ${label}: ${f.name} is not a YAML map`);
  return v as Values;
}

const MANIFEST_EXT = /\.(ya?ml|json)$/;

async function loadFiles(files: ChartFile[], label: string, budget: Budget, depth: number): Promise<Chart> {
  if (depth > DEFAULTS.maxDepth) throw new Error(`${PREFIX} ${label}: subcharts nest deeper than ${DEFAULTS.maxDepth} levels`);
  const chartYaml = files.find((f) => f.name === "Chart.yaml");
  if (!chartYaml) throw new Error(`${PREFIX} ${label}: Chart.yaml file is missing`);
  const metadata = asTable(label, chartYaml, parseYamlFile(label, chartYaml, chartYamlStrings)) as unknown as ChartMetadata;
  // Helm 2's charts had no apiVersion; Helm reads them as v1.
  if (!metadata.apiVersion) metadata.apiVersion = "v1";
  const name = typeof metadata.name === "string" && metadata.name ? metadata.name : label;
  const chart: Chart = { metadata, templates: [], crds: [], values: {}, files: [], dependencies: [] };
  const subcharts = new Map<string, ChartFile[]>();

  for (const f of files) {
    if (f.name === "Chart.yaml") continue;
    if (f.name === "Chart.lock" || f.name === "requirements.lock") {
      chart.lock = asTable(name, f, parseYamlFile(name, f));
      if (f.name === "requirements.lock" && metadata.apiVersion === "v1") chart.files.push(f);
    } else if (f.name === "requirements.yaml") {
      const req = asTable(name, f, parseYamlFile(name, f, chartYamlStrings));
      if (req.dependencies !== undefined) metadata.dependencies = req.dependencies as ChartDependency[];
      if (metadata.apiVersion === "v1") chart.files.push(f);
    } else if (f.name === "values.yaml") {
      try {
        chart.values = loadValues(dec.decode(f.data), f.name);
      } catch (err) {
        throw new Error(`${PREFIX} ${name}: ${(err as Error).message}`, { cause: err });
      }
    } else if (f.name === "values.schema.json") {
      chart.schema = f.data;
    } else if (f.name.startsWith("templates/")) {
      chart.templates.push(f);
    } else if (f.name.startsWith("charts/") && !f.name.endsWith(".prov")) {
      const sub = f.name.slice("charts/".length).split("/", 1)[0]!;
      let files = subcharts.get(sub);
      if (!files) subcharts.set(sub, (files = []));
      files.push(f);
    } else {
      chart.files.push(f);
      if (f.name.startsWith("crds/") && MANIFEST_EXT.test(f.name)) chart.crds.push(f);
    }
  }
  validateMetadata(name, metadata);

  for (const [sub, subFiles] of [...subcharts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (sub.startsWith("_") || sub.startsWith(".")) continue;
    const where = `${name}/charts/${sub}`;
    if (sub.endsWith(".tgz")) {
      const archive = subFiles.find((f) => f.name === `charts/${sub}`);
      if (!archive) throw new Error(`${PREFIX} ${name}: charts/${sub} is a directory, not a chart archive`);
      chart.dependencies.push(await loadFiles(await archiveFiles(archive.data, where, budget), where, budget, depth + 1));
    } else {
      const inner = subFiles.filter((f) => f.name.length > `charts/${sub}/`.length).map((f) => ({ name: f.name.slice(`charts/${sub}/`.length), data: f.data }));
      // A file directly in charts/ that is not an archive is not a chart; Helm ignores it as well.
      if (inner.length === 0) continue;
      chart.dependencies.push(await loadFiles(inner, where, budget, depth + 1));
    }
  }
  return chart;
}

/** Chart.yaml checks as Helm 4.2's Metadata.Validate, with its wording after the chart's name. */
function validateMetadata(label: string, md: ChartMetadata): void {
  const fail = (what: string): never => {
    throw new Error(`${PREFIX} ${label}: Chart.yaml: validation: ${what}`);
  };
  for (const key of ["name", "description", "home", "icon", "condition", "tags", "appVersion", "kubeVersion"]) {
    if (typeof md[key] === "string") md[key] = sanitize(md[key] as string);
  }
  if (md.apiVersion !== "v1" && md.apiVersion !== "v2") fail(`chart.metadata.apiVersion ${JSON.stringify(md.apiVersion)} is not supported`);
  if (!md.name) fail("chart.metadata.name is required");
  if (md.name === "." || md.name === "..") fail(`chart.metadata.name ${JSON.stringify(md.name)} is not allowed`);
  if (typeof md.name !== "string" || md.name.includes("/")) fail(`chart.metadata.name ${JSON.stringify(md.name)} is invalid`);
  if (md.version === undefined || md.version === null || md.version === "") fail("chart.metadata.version is required");
  if (typeof md.version !== "string" || !SEMVER.test(md.version)) fail(`chart.metadata.version ${JSON.stringify(md.version)} is invalid`);
  if (md.type !== undefined && md.type !== "" && md.type !== "application" && md.type !== "library") fail("chart.metadata.type must be application or library");
  if (Array.isArray(md.maintainers) && md.maintainers.some((m) => m === null)) fail("maintainers must not contain empty or null nodes");
  const seen = new Set<string>();
  for (const d of md.dependencies ?? []) {
    if (!d) return fail("dependencies must not contain empty or null nodes");
    if (d.alias !== undefined && d.alias !== "" && !/^[a-zA-Z0-9_-]+$/.test(d.alias)) fail(`dependency ${JSON.stringify(d.name ?? "")} has disallowed characters in the alias`);
    const key = d.alias || d.name;
    if (seen.has(key)) fail(`more than one dependency with name or alias ${JSON.stringify(key)}`);
    seen.add(key);
  }
}

/** Helm's sanitizeString: whitespace becomes a space, other unprintable characters go. */
function sanitize(s: string): string {
  return s.replace(/\s/g, " ").replace(/[\p{C}]/gu, "");
}

// Masterminds' loose SemVer (what Helm's metadata check accepts): optional v, one to three numbers.
const SEMVER = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
