/**
 * Packages a chart directory the way source-controller's local chart builder does before it stores a
 * chart from a GitRepository or a Bucket (internal/helm/chart/builder_local.go and dependency_manager.go,
 * read, not copied): the files .helmignore keeps go under `<name>/`, Chart.yaml gets the build's version
 * (`<version>+<metadata>` for the Revision strategy or values files), values.yaml is replaced by the merged
 * values files when there are any, and each missing dependency is added as a packaged archive in
 * `charts/`. Fetching those dependencies is the caller's business: `missingDependencies` says which ones
 * the chart lacks (Chart.lock's list when there is one, as Flux reads it).
 *
 * Limits: the chart directory's files are capped as chart-loader.ts caps them; paths that leave the
 * source are refused (`subtree`).
 */
import { pack } from "../artifact/pack.ts";
import { patternMatcher } from "../artifact/source-ignore.ts";
import { FileTree } from "../artifact/file-tree.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { emitYaml } from "../yaml/emit.ts";
import type { Chart, ChartDependency, ChartFile, Values } from "./chart.ts";
import { chartDirFiles } from "./chart-loader.ts";
import { cleanPath, sortKeys } from "./chart-package.ts";
import { chartYamlStrings, parseHelmYaml } from "./values-yaml.ts";

export interface DirPackage {
  /** The new version written into Chart.yaml. */
  version: string;
  /** Replaces values.yaml (sorted keys, as Go's encoder writes a map); the raw file is kept otherwise. */
  values?: Values;
  /** Archives placed in `charts/` (missing dependencies), by file name. */
  add?: readonly ChartFile[];
}

/** The chart in `dir` as a `.tgz` with one top-level directory named after the chart. */
export async function packageChartDir(dir: TreeReader, name: string, change: DirPackage): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const out = new FileTree();
  const put = (path: string, data: Uint8Array) => out.set(`${name}/${path}`, { kind: "file", mode: 0o644, data });
  for (const f of chartDirFiles(dir, name)) {
    if (f.name === "Chart.yaml") {
      const metadata = parseHelmYaml(new TextDecoder().decode(f.data), "Chart.yaml", chartYamlStrings);
      if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) throw new Error(`Cannot package the chart ${name}: Chart.yaml is not a map`);
      put(f.name, enc.encode(emitYaml({ ...metadata, version: change.version })));
    } else if (f.name === "values.yaml" && change.values) {
      continue;
    } else {
      put(f.name, f.data);
    }
  }
  if (change.values) put("values.yaml", enc.encode(emitYaml(sortKeys(change.values))));
  for (const f of change.add ?? []) put(`charts/${f.name}`, f.data);
  return (await pack(out, { rules: patternMatcher([]) })).bytes;
}

/**
 * The dependencies a loaded chart declares but does not hold in charts/, by their alias or name, as
 * Flux's collectMissing: none when the counts agree; Chart.lock's list takes precedence over Chart.yaml's.
 */
export function missingDependencies(chart: Chart): ChartDependency[] {
  const locked = chart.lock?.dependencies;
  const wanted = (Array.isArray(locked) ? (locked as ChartDependency[]) : chart.metadata.dependencies ?? []).filter((d) => d && typeof d.name === "string");
  if (wanted.length === chart.dependencies.length) return [];
  const present = new Set(chart.dependencies.map((c) => c.metadata.name));
  return wanted.filter((d) => !present.has(d.name) && !(d.alias && present.has(d.alias)));
}

/** A read view of `root` inside `tree`; `root` must stay inside the tree (no `..` past its top). */
export function subtree(tree: TreeReader, root: string): TreeReader {
  const base = cleanPath(root);
  const at = (p: string) => (base === "" ? p : p === "" ? base : `${base}/${p}`);
  return { list: (d) => tree.list(at(d)), isDir: (p) => tree.isDir(at(p)), read: (p) => tree.read(at(p)) };
}
