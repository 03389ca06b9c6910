/**
 * A Helm chart repository's index (index.yaml, `apiVersion: v1`): parsing, normalising and the form
 * rivulet stores as a HelmRepository's artifact.
 *
 * Parsing follows Helm's loader as source-controller calls it (`IndexFromBytes`): JSON when the bytes are
 * valid JSON (unknown fields ignored), YAML otherwise with unknown fields refused (Helm's UnmarshalStrict);
 * empty input and a missing apiVersion are errors; entries that are null or fail chart metadata validation
 * (no name, a name with a path in it, a version that is not semver, an unknown type) are dropped, as Helm
 * drops them with a warning; strings are sanitised as Helm's Metadata.Validate does (whitespace becomes a
 * space, unprintable characters go); a missing entry apiVersion becomes v1. Each chart's versions are then
 * sorted newest first (stable, so equal versions keep their order).
 *
 * The stored form is JSON with two-space indentation and Helm's field order (IndexFile, then ChartVersion
 * with its metadata inlined), as source-controller's `ToJSON` writes it; the key order of free-form maps
 * (annotations, serverInfo) is sorted as Go's encoder sorts map keys. Byte equality with Go's output is
 * not a goal (Go escapes `<`, `>`, `&`), the field set and order are.
 *
 * Limits: the index size (DEFAULTS, Flux's 50 MiB).
 */
import { parseDocuments } from "../yaml/parse.ts";
import { compareVersions, parseVersion } from "../core/semver-constraint.ts";
import { getOwn, setOwn } from "./own.ts";

export const DEFAULTS = {
  /** Largest index accepted, in bytes (source-controller's MaxIndexSize). */
  maxIndexBytes: 50 * 1024 * 1024,
};

export interface Maintainer {
  name?: string;
  email?: string;
  url?: string;
}

/** One chart version in the index: the chart's Chart.yaml metadata plus where to download it. */
export interface IndexChartVersion {
  name: string;
  version: string;
  apiVersion: string;
  home?: string;
  sources?: string[];
  description?: string;
  keywords?: string[];
  maintainers?: Maintainer[];
  icon?: string;
  condition?: string;
  tags?: string;
  appVersion?: string;
  deprecated?: boolean;
  annotations?: Record<string, string>;
  kubeVersion?: string;
  dependencies?: Record<string, unknown>[];
  type?: string;
  /** Download locations, absolute or relative to the repository URL; the first is used. */
  urls: string[];
  /** RFC 3339 time; Go's zero time when the index has none. */
  created: string;
  removed?: boolean;
  /** Hex sha256 of the .tgz, when the index gives one. */
  digest?: string;
  checksum?: string;
  engine?: string;
  tillerVersion?: string;
  url?: string;
}

export interface RepositoryIndex {
  serverInfo?: Record<string, unknown>;
  apiVersion: string;
  generated: string;
  entries: Record<string, IndexChartVersion[]>;
  publicKeys?: string[];
  annotations?: Record<string, string>;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

type FieldKind = "string" | "strings" | "bool" | "time" | "stringMap" | "anyMap" | "maintainers" | "objects";

/** Fields in the order Go's encoder writes them (ChartVersion embeds Metadata first). */
const VERSION_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ["name", "string"], ["home", "string"], ["sources", "strings"], ["version", "string"], ["description", "string"],
  ["keywords", "strings"], ["maintainers", "maintainers"], ["icon", "string"], ["apiVersion", "string"],
  ["condition", "string"], ["tags", "string"], ["appVersion", "string"], ["deprecated", "bool"],
  ["annotations", "stringMap"], ["kubeVersion", "string"], ["dependencies", "objects"], ["type", "string"],
  ["urls", "strings"], ["created", "time"], ["removed", "bool"], ["digest", "string"], ["checksum", "string"],
  ["engine", "string"], ["tillerVersion", "string"], ["url", "string"],
];
const INDEX_FIELDS: ReadonlyArray<readonly [string, FieldKind]> = [
  ["serverInfo", "anyMap"], ["apiVersion", "string"], ["generated", "time"], ["entries", "anyMap"],
  ["publicKeys", "strings"], ["annotations", "stringMap"],
];
/** Fields Helm's Metadata.Validate sanitises. */
const SANITISED = new Set(["name", "description", "home", "icon", "condition", "tags", "appVersion", "kubeVersion"]);

class IndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexError";
  }
}

/**
 * Parses and normalises an index. `label` names the input in errors. Throws for input Helm refuses as a
 * whole; drops single entries Helm skips.
 */
export function parseRepositoryIndex(input: Uint8Array | string, label = "index.yaml"): RepositoryIndex {
  const size = typeof input === "string" ? new TextEncoder().encode(input).length : input.length;
  if (size > DEFAULTS.maxIndexBytes) throw new IndexError(`index exceeds the maximum index file size of ${DEFAULTS.maxIndexBytes} bytes`);
  const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: false }).decode(input);
  if (size === 0) throw new IndexError("empty index.yaml file");
  const json = parseJson(text);
  const strict = json === undefined;
  const raw = json !== undefined ? json.value : firstDocument(text, label);
  if (raw === null || raw === undefined) throw new IndexError("no API version specified");
  if (!isObject(raw)) throw new IndexError(`Cannot read ${label}: the index is not a mapping`);
  const top = decodeFields(raw, INDEX_FIELDS, strict, "");
  const entries: Record<string, IndexChartVersion[]> = {};
  const rawEntries = (top.entries ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(rawEntries).sort()) {
    const list = rawEntries[name];
    if (list === null || list === undefined) {
      setOwn(entries, name, []);
      continue;
    }
    if (!Array.isArray(list)) throw new IndexError(`Cannot read ${label}: entries.${name} is not a list`);
    const kept: IndexChartVersion[] = [];
    for (const [i, item] of list.entries()) {
      if (item === null || item === undefined) continue;
      if (!isObject(item)) throw new IndexError(`Cannot read ${label}: entries.${name}[${i}] is not a mapping`);
      const cv = decodeFields(item, VERSION_FIELDS, strict, `entries.${name}[${i}].`) as unknown as IndexChartVersion;
      cv.apiVersion ||= "v1";
      cv.urls ??= [];
      cv.created ??= ZERO_TIME;
      if (validationProblem(cv) === undefined) kept.push(cv);
    }
    // Chart names come from the repository: `__proto__` must stay a key, not become the prototype.
    setOwn(entries, name, sortNewestFirst(kept));
  }
  const apiVersion = (top.apiVersion as string | undefined) ?? "";
  if (apiVersion === "") throw new IndexError("no API version specified");
  const index: RepositoryIndex = { apiVersion, generated: (top.generated as string | undefined) ?? ZERO_TIME, entries };
  if (top.serverInfo !== undefined) index.serverInfo = top.serverInfo as Record<string, unknown>;
  if (top.publicKeys !== undefined) index.publicKeys = top.publicKeys as string[];
  if (top.annotations !== undefined) index.annotations = top.annotations as Record<string, string>;
  return index;
}

/** Why Helm would skip this entry (its Metadata.Validate), or undefined when it is kept. */
export function validationProblem(cv: IndexChartVersion): string | undefined {
  if (!cv.apiVersion) return "chart.metadata.apiVersion is required";
  if (!cv.name) return "chart.metadata.name is required";
  if (cv.name === "." || cv.name === "..") return `chart.metadata.name "${cv.name}" is not allowed`;
  if (/[/\\]/.test(cv.name)) return `chart.metadata.name "${cv.name}" is invalid`;
  if (!cv.version) return "chart.metadata.version is required";
  if (parseVersion(cv.version) === undefined) return `chart.metadata.version "${cv.version}" is invalid`;
  if (cv.type !== undefined && cv.type !== "" && cv.type !== "application" && cv.type !== "library") {
    return "chart.metadata.type must be application or library";
  }
  if (cv.maintainers?.some((m) => m === null)) return "maintainers must not contain empty or null nodes";
  return undefined;
}

/** The index as rivulet stores it: JSON, two-space indent, Helm's field order. */
export function indexJson(index: RepositoryIndex): string {
  const ordered: Record<string, unknown> = {};
  if (index.serverInfo !== undefined && Object.keys(index.serverInfo).length > 0) ordered.serverInfo = sortKeys(index.serverInfo);
  ordered.apiVersion = index.apiVersion;
  ordered.generated = index.generated;
  const entries: Record<string, unknown> = {};
  for (const name of Object.keys(index.entries).sort()) setOwn(entries, name, getOwn(index.entries, name)!.map(orderVersion));
  ordered.entries = entries;
  if (index.publicKeys !== undefined && index.publicKeys.length > 0) ordered.publicKeys = index.publicKeys;
  if (index.annotations !== undefined && Object.keys(index.annotations).length > 0) ordered.annotations = sortKeys(index.annotations);
  return JSON.stringify(ordered, null, 2);
}

function orderVersion(cv: IndexChartVersion): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const src = cv as unknown as Record<string, unknown>;
  for (const [key, kind] of VERSION_FIELDS) {
    const v = src[key];
    // Go's omitempty: every field but urls and created is left out when empty.
    if (key !== "urls" && key !== "created" && isEmpty(v)) continue;
    out[key] = kind === "stringMap" ? sortKeys(v as Record<string, unknown>) : v;
  }
  return out;
}

function sortNewestFirst(list: IndexChartVersion[]): IndexChartVersion[] {
  const keyed = list.map((cv) => ({ cv, v: parseVersion(cv.version)! }));
  // Stable sort (Array.prototype.sort is), descending by semver precedence.
  keyed.sort((a, b) => compareVersions(b.v, a.v));
  return keyed.map((k) => k.cv);
}

function decodeFields(
  obj: Record<string, unknown>,
  fields: ReadonlyArray<readonly [string, FieldKind]>,
  strict: boolean,
  path: string,
): Record<string, unknown> {
  const known = new Map(fields);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const kind = known.get(key);
    if (kind === undefined) {
      if (strict) throw new IndexError(`Cannot read the index: unknown field "${path}${key}"`);
      continue;
    }
    if (value === null || value === undefined) continue;
    out[key] = decodeValue(value, kind, `${path}${key}`, SANITISED.has(key) && path !== "");
  }
  return out;
}

function decodeValue(value: unknown, kind: FieldKind, path: string, sanitise: boolean): unknown {
  const fail = (want: string): never => {
    throw new IndexError(`Cannot read the index: ${path} is ${describe(value)}, want ${want}`);
  };
  switch (kind) {
    case "string": {
      // A YAML scalar such as `version: 1.0` lands in a Go string field as its text.
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      if (typeof value !== "string") return fail("a string");
      return sanitise ? sanitiseString(value) : value;
    }
    case "strings":
      if (!Array.isArray(value)) return fail("a list of strings");
      return value.map((v, i) => decodeValue(v ?? "", "string", `${path}[${i}]`, true));
    case "bool":
      return typeof value === "boolean" ? value : fail("a boolean");
    case "time":
      return typeof value === "string" ? normaliseTime(value, path) : fail("an RFC 3339 time");
    case "stringMap": {
      if (!isObject(value)) return fail("a mapping of strings");
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v ?? "", "string", `${path}.${k}`, false)]));
    }
    case "anyMap":
      return isObject(value) ? value : fail("a mapping");
    case "maintainers":
      if (!Array.isArray(value)) return fail("a list of maintainers");
      return value.map((m, i) => {
        if (m === null) return null;
        if (!isObject(m)) return fail("a list of maintainers");
        return decodeFields(m, [["name", "string"], ["email", "string"], ["url", "string"]], false, `${path}[${i}].`);
      });
    case "objects":
      if (!Array.isArray(value) || !value.every((v) => v === null || isObject(v))) return fail("a list of mappings");
      return value;
  }
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time as Go re-encodes it: trailing zeros of the fraction dropped, a zero offset as Z. */
function normaliseTime(value: string, path: string): string {
  const m = RFC3339.exec(value);
  if (!m) throw new IndexError(`Cannot read the index: ${path} "${value}" is not an RFC 3339 time`);
  const fraction = (m[3] ?? "").replace(/0+$/, "");
  const zone = m[4] === "z" || m[4] === "Z" || m[4] === "+00:00" || m[4] === "-00:00" ? "Z" : m[4]!;
  return `${m[1]}T${m[2]}${fraction === "." ? "" : fraction}${zone}`;
}

/** Helm's sanitizeString: whitespace becomes a space, unprintable characters are removed. */
function sanitiseString(s: string): string {
  return s.replace(/\s/gu, " ").replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, "");
}

function parseJson(text: string): { value: unknown } | undefined {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[") && !t.startsWith('"')) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function firstDocument(text: string, label: string): unknown {
  let docs: unknown[];
  try {
    docs = parseDocuments(text, label);
  } catch (err) {
    throw new IndexError(`Cannot read ${label}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return docs[0];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObject(v) && Object.keys(v).length === 0;
}
function describe(v: unknown): string {
  return Array.isArray(v) ? "a list" : v === null ? "null" : typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}
function sortKeys<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}
