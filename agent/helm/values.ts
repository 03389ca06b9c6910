/**
 * Chart values exactly as Helm 4.2 computes them (pkg/chart/common/util/coalesce.go and
 * pkg/chart/v2/util/dependencies.go, read, not copied): user values over chart defaults, null deleting a
 * default, maps merging and everything else replacing, each subchart seeing the parent's `.<name>` (or
 * `.<alias>`) over its own values.yaml, `global` copied down to every subchart, subcharts disabled by
 * `condition` or `tags` removed, and `import-values` copying child values up to the parent.
 * Helm mutates its chart in place; here `processDependencies` returns a new chart tree and leaves its input
 * alone. Helm's own sharing of nested maps is kept on purpose: a subchart's `global` defaults below the
 * second level reach the parent's `global` through the shared map, as they do in Helm.
 * What Helm only logs is collected as warnings instead.
 */
import { parseConstraint, parseVersion } from "../core/semver-constraint.ts";
import type { Chart, ChartDependency, Values } from "./chart.ts";
import { getOwn, hasOwn, setOwn } from "./own.ts";

export type Warn = (message: string) => void;

const GLOBAL = "global";

export function isTable(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A deep copy of JSON-shaped values (maps and lists copied, scalars shared). */
export function copyValues<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyValues) as T;
  if (isTable(v)) {
    const out: Values = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, copyValues(x));
    return out as T;
  }
  return v;
}

const concatPrefix = (a: string, b: string) => (a === "" ? b : `${a}.${b}`);

/** Go's `%v` of a YAML value, as Helm prints it in warnings and import-values paths. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : String(v).replace(/e\+?/, "e+");
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (isTable(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k])}`).join(" ")}]`;
  return String(v);
}

/** User values over the chart's defaults and its subcharts', nulls deleting defaults (Helm's CoalesceValues). */
export function coalesceValues(chart: Chart, user: Values | null | undefined, warn: Warn = () => {}): Values {
  return coalesce(chart, copyValues(user ?? {}), "", false, warn);
}

/** As coalesceValues, but nulls are kept (Helm's MergeValues, used while processing dependencies). */
export function mergeValues(chart: Chart, user: Values | null | undefined, warn: Warn = () => {}): Values {
  return coalesce(chart, copyValues(user ?? {}), "", true, warn);
}

function coalesce(chart: Chart, dest: Values, prefix: string, merge: boolean, warn: Warn): Values {
  coalesceChartValues(chart, dest, prefix, merge, warn);
  for (const sub of chart.dependencies) {
    const name = sub.metadata.name;
    if (!hasOwn(dest, name)) setOwn(dest, name, {});
    const scoped = getOwn(dest, name);
    if (!isTable(scoped)) throw new Error(`type mismatch on ${name}: %!t(${goType(scoped)}=${goString(scoped)})`);
    const subPrefix = concatPrefix(prefix, chart.metadata.name);
    coalesceGlobals(scoped, dest, subPrefix, warn);
    setOwn(dest, name, coalesce(sub, scoped, subPrefix, merge, warn));
  }
  return dest;
}

function goType(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (Array.isArray(v)) return "[]interface {}";
  return "<nil>";
}

/** Copies `global` from the parent's values into a subchart's, the parent winning on conflicts. */
function coalesceGlobals(dest: Values, src: Values, prefix: string, warn: Warn): void {
  let dg: Values;
  let sg: Values;
  if (!hasOwn(dest, GLOBAL)) dg = {};
  else if (isTable(dest[GLOBAL])) dg = dest[GLOBAL];
  else return warn(`warning: skipping globals because destination ${GLOBAL} is not a table.`);
  if (!hasOwn(src, GLOBAL)) sg = {};
  else if (isTable(src[GLOBAL])) sg = src[GLOBAL];
  else return warn(`warning: skipping globals because source ${GLOBAL} is not a table.`);

  for (const [key, val] of Object.entries(sg)) {
    if (isTable(val)) {
      // A shallow copy, as Helm's: nested maps stay shared with the parent's global.
      const vv: Values = { ...val };
      const existing = getOwn(dg, key);
      if (!hasOwn(dg, key)) setOwn(dg, key, vv);
      else if (!isTable(existing)) warn(`Conflict: cannot merge map onto non-map for ${JSON.stringify(key)}. Skipping.`);
      else {
        coalesceTables(vv, existing, concatPrefix(prefix, key), true, warn);
        setOwn(dg, key, vv);
      }
    } else if (hasOwn(dg, key) && isTable(dg[key])) {
      warn(`key ${key} is table. Skipping`);
    } else {
      setOwn(dg, key, val);
    }
  }
  dest[GLOBAL] = dg;
}

/** Fills `v` (values given for this chart) from the chart's own values.yaml. */
function coalesceChartValues(chart: Chart, v: Values, prefix: string, merge: boolean, warn: Warn): void {
  const subPrefix = concatPrefix(prefix, chart.metadata.name);
  const defaults = copyValues(chart.values ?? {});
  // Below the top chart, a subchart's own nulls are dropped so they neither shadow globals nor print as
  // %!s(<nil>); the top chart's own nulls stay (helm#32530).
  const dropNulls = !merge && prefix !== "";
  for (const [key, val] of Object.entries(defaults)) {
    if (hasOwn(v, key)) {
      const given = getOwn(v, key);
      if (given === null && !merge) {
        delete v[key];
      } else if (isTable(given)) {
        if (!isTable(val)) {
          if (val !== null) warn(`warning: skipped value for ${subPrefix}.${key}: Not a table.`);
        } else {
          const isSubchart = chart.dependencies.some((d) => d.metadata.name === key);
          const m = isSubchart || merge;
          if (!m && prefix !== "") dropNullsDeep(val);
          coalesceTables(given, val, concatPrefix(subPrefix, key), m, warn);
        }
      }
    } else {
      if (dropNulls) {
        if (val === null) continue;
        if (isTable(val)) dropNullsDeep(val);
      }
      setOwn(v, key, val);
    }
  }
}

/** Merges `src` into `dst`, `dst` winning (Helm's CoalesceTables when merge is false, MergeTables when true). */
export function coalesceTables(dst: Values | null, src: Values | null, prefix = "", merge = false, warn: Warn = () => {}): Values | null {
  if (src === null) return dst;
  if (dst === null) return src;
  const srcHadValue = new Set(Object.keys(src).filter((k) => src[k] !== null));
  for (const [k, val] of Object.entries(dst)) if (val === null) setOwn(src, k, null);
  for (const [key, val] of Object.entries(src)) {
    const full = concatPrefix(prefix, key);
    const present = hasOwn(dst, key);
    const dv = getOwn(dst, key);
    if (present && !merge && dv === null && srcHadValue.has(key)) {
      // The user nulled a default: the key goes. A null with no default behind it stays.
      delete dst[key];
    } else if (!present) {
      setOwn(dst, key, val);
    } else if (isTable(val)) {
      if (isTable(dv)) coalesceTables(dv, val, full, merge, warn);
      else warn(`warning: cannot overwrite table with non table for ${full} (${goString(val)})`);
    } else if (isTable(dv) && val !== null) {
      warn(`warning: destination for ${full} is a table. Ignoring non-table value (${goString(val)})`);
    }
  }
  return dst;
}

function dropNullsDeep(m: Values): void {
  for (const [k, v] of Object.entries(m)) {
    if (v === null) delete m[k];
    else if (isTable(v)) dropNullsDeep(v);
  }
}

/** The table at dotted `path` (Helm's Values.Table), or undefined when any step is missing or not a table. */
export function tableAt(values: Values, path: string): Values | undefined {
  let cur: Values = values;
  for (const part of path.split(".")) {
    const next = getOwn(cur, part);
    if (!isTable(next)) return undefined;
    cur = next;
  }
  return cur;
}

/** The non-table value at dotted `path` (Helm's Values.PathValue), or undefined. */
export function valueAt(values: Values, path: string): unknown {
  if (path === "") return undefined;
  const parts = path.split(".");
  const key = parts.pop()!;
  const table = parts.length === 0 ? values : tableAt(values, parts.join("."));
  if (!table || !hasOwn(table, key) || isTable(table[key])) return undefined;
  return table[key];
}

/**
 * Helm's IsCompatibleRange: the version read by Masterminds' NewVersion, the constraint by NewConstraint
 * (core/semver-constraint.ts); either failing to parse, the empty constraint included, matches nothing.
 */
export function isCompatibleRange(constraint: string | undefined, version: string): boolean {
  const v = parseVersion(version);
  if (!v || constraint === undefined) return false;
  try {
    return parseConstraint(constraint)(v);
  } catch {
    return false;
  }
}

/**
 * Helm's ProcessDependencies: applies aliases, removes subcharts that `condition` or `tags` disable
 * (recursively), then imports child values into each parent (`import-values`). Returns a new tree.
 */
export function processDependencies(chart: Chart, user: Values | null | undefined, warn: Warn = () => {}): Chart {
  const out = cloneChart(chart);
  processEnabled(out, user ?? {}, "", warn);
  processImportValues(out, warn);
  return out;
}

/** The values a chart renders with: dependencies processed, then user values coalesced over them. */
export function chartValues(chart: Chart, user: Values | null | undefined, warn: Warn = () => {}): { chart: Chart; values: Values } {
  const processed = processDependencies(chart, user, warn);
  return { chart: processed, values: coalesceValues(processed, user, warn) };
}

function cloneChart(c: Chart): Chart {
  return {
    ...c,
    metadata: { ...c.metadata, dependencies: c.metadata.dependencies?.map((d) => ({ ...d })) ?? c.metadata.dependencies },
    dependencies: c.dependencies.map(cloneChart),
  };
}

function processEnabled(c: Chart, v: Values, path: string, warn: Warn): void {
  const reqs = c.metadata.dependencies;
  if (reqs === undefined || reqs === null) return;
  // Subcharts Chart.yaml does not list stay as they are; listed ones are (re)made per entry, so one chart
  // can appear twice under two aliases.
  const kept = c.dependencies.filter((sub) => !reqs.some((r) => sub.metadata.name === r.name && isCompatibleRange(r.version, sub.metadata.version)));
  for (const req of reqs) {
    const found = c.dependencies.find((sub) => sub.metadata.name === req.name && isCompatibleRange(req.version, sub.metadata.version));
    if (found) {
      const copy = cloneChart(found);
      if (req.alias) copy.metadata.name = req.alias;
      kept.push(copy);
    }
    if (req.alias) req.name = req.alias;
  }
  c.dependencies = kept;
  for (const req of reqs) req.enabled = true;
  const cvals = coalesceValues(c, v, warn);
  applyTags(c, reqs, cvals, warn);
  applyConditions(c, reqs, cvals, path, warn);
  const removed = new Set(reqs.filter((r) => !r.enabled).map((r) => r.name));
  const subs = c.dependencies.filter((sub) => !removed.has(sub.metadata.name));
  for (const sub of subs) processEnabled(sub, cvals, `${path}${sub.metadata.name}.`, warn);
  c.metadata.dependencies = reqs.filter((r) => !removed.has(r.name));
  c.dependencies = subs;
}

function applyTags(c: Chart, reqs: ChartDependency[], cvals: Values, warn: Warn): void {
  const tags = tableAt(cvals, "tags");
  if (!tags) return;
  for (const r of reqs) {
    let anyTrue = false;
    let anyFalse = false;
    for (const t of r.tags ?? []) {
      if (!hasOwn(tags, t)) continue;
      const b = tags[t];
      if (typeof b === "boolean") {
        if (b) anyTrue = true;
        else anyFalse = true;
      } else {
        warn(`${c.metadata.name}: tag ${JSON.stringify(t)} of dependency ${r.name} is not a bool`);
      }
    }
    r.enabled = anyTrue || !anyFalse;
  }
}

/** The first path of `condition` that holds a bool decides; a condition therefore overrides tags. */
function applyConditions(c: Chart, reqs: ChartDependency[], cvals: Values, path: string, warn: Warn): void {
  for (const r of reqs) {
    // Helm trims the whole condition, not each path: "a.on, b.on" looks up " b.on".
    for (const cond of (r.condition ?? "").trim().split(",")) {
      if (cond === "") continue;
      const value = valueAt(cvals, path + cond);
      if (typeof value === "boolean") {
        r.enabled = value;
        break;
      }
      if (value !== undefined) warn(`${c.metadata.name}: condition path ${JSON.stringify(cond)} of dependency ${r.name} is not a bool`);
    }
  }
}

function processImportValues(c: Chart, warn: Warn): void {
  for (const sub of c.dependencies) processImportValues(sub, warn);
  const reqs = c.metadata.dependencies;
  if (reqs === undefined || reqs === null) return;
  const cvals = mergeValues(c, null, warn);
  let imported: Values = {};
  for (const r of reqs) {
    const normalized: Array<{ child: string; parent: string }> = [];
    for (const iv of r["import-values"] ?? []) {
      if (isTable(iv)) {
        const child = goString(iv.child);
        const parent = goString(iv.parent);
        normalized.push({ child, parent });
        const table = tableAt(cvals, `${r.name}.${child}`);
        if (!table) {
          warn(`${c.metadata.name}: import-values: no table ${r.name}.${child} in dependency ${r.name}`);
          continue;
        }
        imported = coalesceTables(imported, pathToMap(parent, table), "", true, warn)!;
      } else if (typeof iv === "string") {
        const child = `exports.${iv}`;
        normalized.push({ child, parent: "." });
        const table = tableAt(cvals, `${r.name}.${child}`);
        if (!table) {
          warn(`${c.metadata.name}: import-values: no table ${r.name}.${child} in dependency ${r.name}`);
          continue;
        }
        imported = coalesceTables(imported, table, "", true, warn)!;
      }
    }
    // Helm rewrites the entry to its {child, parent} form; a stored release shows it so.
    if (r["import-values"] !== undefined) r["import-values"] = normalized.length ? normalized : undefined;
  }
  // The parent's own values win over what it imports, so a parent can import a section and override a part.
  c.values = coalesceTables(copyValues(cvals), imported, "", true, warn)!;
}

function pathToMap(path: string, data: Values): Values {
  if (path === ".") return data;
  let cur: Values = data;
  const parts = path.split(".");
  for (let i = parts.length - 1; i >= 0; i--) cur = { [parts[i]!]: cur };
  return cur;
}
