/**
 * What source-controller's remote chart builder does to a downloaded chart when a HelmChart lists
 * `valuesFiles`: merge those files in order (`values.yaml` means the chart's own default values, any other
 * path a file inside the chart), make the result the chart's values.yaml, set the chart version to the
 * given one (`<version>+<generation>`), and package the chart again.
 *
 * The archive is rewritten, not re-rendered from a loaded chart: every other file keeps its bytes and
 * mode, so templates, subcharts and .helmignore'd content stay exactly as the repository served them.
 * Chart.yaml keeps its fields with the new version; values.yaml is written with sorted keys, as Go's YAML
 * encoder writes a map.
 */
import { pack } from "../artifact/pack.ts";
import { patternMatcher } from "../artifact/source-ignore.ts";
import { unpack } from "../artifact/unpack.ts";
import type { FileNode } from "../artifact/file-tree.ts";
import { emitYaml } from "../yaml/emit.ts";
import type { Chart, Values } from "./chart.ts";
import { chartYamlStrings, loadValues, mergeMaps, parseHelmYaml } from "./values-yaml.ts";

export interface MergedValues {
  values: Values;
  /** The files that were merged, as the HelmChart named them (missing ones dropped when ignored). */
  used: string[];
}

/** Flux's mergeChartValues: the chart's values.yaml or its files, merged in the order given. */
export function mergeValuesFiles(chart: Chart, paths: readonly string[], ignoreMissing = false): MergedValues {
  let values: Values = {};
  const used: string[] = [];
  for (const p of paths) {
    const clean = cleanPath(p);
    if (clean === "values.yaml") {
      values = mergeMaps(values, chart.values);
      used.push(p);
      continue;
    }
    const file = chart.files.find((f) => f.name === clean);
    if (!file) {
      if (ignoreMissing) continue;
      throw new Error(`no values file found at path '${p}'`);
    }
    let parsed: Values;
    try {
      parsed = loadValues(new TextDecoder().decode(file.data), clean);
    } catch (err) {
      throw new Error(`unmarshaling values from '${p}' failed: ${(err as Error).message}`, { cause: err });
    }
    values = mergeMaps(values, parsed);
    used.push(p);
  }
  return { values, used };
}

/** The chart archive with values.yaml replaced by `values` and Chart.yaml's version set to `version`. */
export async function repackageChart(tgz: Uint8Array, change: { version: string; values: Values }): Promise<Uint8Array> {
  const tree = await unpack(tgz);
  const roots = tree.list("").filter((e) => e.kind === "dir");
  if (roots.length !== 1) throw new Error("Cannot package the chart: the archive must hold exactly one top-level directory");
  const root = roots[0]!.name;
  const chartYaml = tree.read(`${root}/Chart.yaml`);
  if (!chartYaml) throw new Error("Cannot package the chart: Chart.yaml is missing");
  const metadata = parseHelmYaml(new TextDecoder().decode(chartYaml), "Chart.yaml", chartYamlStrings);
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) throw new Error("Cannot package the chart: Chart.yaml is not a map");
  const enc = new TextEncoder();
  const file = (text: string, was?: FileNode): FileNode => ({ kind: "file", mode: was?.mode ?? 0o644, data: enc.encode(text) });
  tree.set(`${root}/Chart.yaml`, file(emitYaml({ ...metadata, version: change.version }), tree.get(`${root}/Chart.yaml`) as FileNode));
  tree.set(`${root}/values.yaml`, file(emitYaml(sortKeys(change.values)), tree.get(`${root}/values.yaml`) as FileNode | undefined));
  // No ignore rules: the chart's files were chosen when it was packaged.
  return (await pack(tree, { rules: patternMatcher([]) })).bytes;
}

/** A slash path relative to the root: `.` and empty parts dropped, `..` never above the root (as securejoin). */
export function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/");
}

/** Map keys sorted at every level, as Go's YAML encoder writes a map. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}
