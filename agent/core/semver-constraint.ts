/**
 * Versions and constraints as Masterminds/semver v3 reads them, the library Helm and Flux use for chart
 * versions (read, not copied): versions are loose (`v1`, `1.2`, `1.2.3-rc.1+build`), a constraint is
 * `||`-separated groups of space- or comma-separated comparisons (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~`,
 * `~>`, `^`, wildcards `x`/`X`/`*`, and `1 - 2` ranges). A prerelease version satisfies a group only
 * when one of the group's comparisons names a prerelease, as in Masterminds (npm's rule differs).
 * Pure: no dependency, so every stage can use it.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Prerelease identifiers joined by dots, "" when none. */
  pre: string;
  /** Build metadata, "" when none; ignored when comparing. */
  build: string;
}

const IDS = String.raw`[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*`;
const LOOSE = new RegExp(String.raw`^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-(${IDS}))?(?:\+(${IDS}))?$`);
const STRICT = new RegExp(String.raw`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-(${IDS}))?(?:\+(${IDS}))?$`);

/** Masterminds' NewVersion: `v` prefix and missing minor/patch allowed; undefined when not a version. */
export function parseVersion(s: string): Version | undefined {
  return build(LOOSE.exec(s));
}

/**
 * fluxcd/pkg/version's ParseVersion, how source-controller reads chart versions, Git tags and OCI tags
 * before a constraint sees them: NewVersion's loose reading, but only of text with three dot-separated
 * parts (`v1.2.3`, `v2025.02.03-rc.1`); `v1.2` and `1` are not versions to Flux.
 */
export function parseFluxVersion(s: string): Version | undefined {
  // Go's strings.SplitN(s, ".", 3) has three parts exactly when s holds at least two dots.
  return s.split(".", 3).length === 3 ? parseVersion(s) : undefined;
}

/** Masterminds' StrictNewVersion: exactly `X.Y.Z[-pre][+build]`, no `v`, no leading zeros. */
export function parseStrictVersion(s: string): Version | undefined {
  return build(STRICT.exec(s));
}

function build(m: RegExpExecArray | null): Version | undefined {
  if (!m) return undefined;
  const pre = m[4] ?? "";
  // Numeric prerelease identifiers may not start with 0 (semver 2.0.0, enforced by Masterminds).
  if (pre.split(".").some((id) => /^0[0-9]+$/.test(id))) return undefined;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), pre, build: m[5] ?? "" };
}

/** `1.2.3-rc.1+meta`: how Masterminds prints a version (the `v` and missing parts are not kept). */
export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ""}${v.build ? `+${v.build}` : ""}`;
}

/** Semver precedence: -1, 0 or 1; build metadata does not count. */
export function compareVersions(a: Version, b: Version): number {
  for (const k of ["major", "minor", "patch"] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === "") return 1;
  if (b.pre === "") return -1;
  const x = a.pre.split(".");
  const y = b.pre.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^[0-9]+$/.test(p);
    const qn = /^[0-9]+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

type Op = "=" | "!=" | ">" | "<" | ">=" | "<=" | "~" | "^";

interface Comparison {
  op: Op;
  v: Version;
  /** What was written after the operator; wildcards and missing parts make the comparison "dirty". */
  minorDirty: boolean;
  patchDirty: boolean;
  dirty: boolean;
}

export type Constraint = (v: Version) => boolean;

const OPS = String.raw`=|!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const PART = "[0-9xX*]+";
const VER = String.raw`v?${PART}(?:\.${PART})?(?:\.${PART})?(?:-${IDS})?(?:\+${IDS})?`;
const ONE = new RegExp(String.raw`^\s*(${OPS})?\s*v?(${PART})(?:\.(${PART}))?(?:\.(${PART}))?(?:-(${IDS}))?(?:\+${IDS})?\s*$`);
const FIND = new RegExp(String.raw`(?:${OPS})?\s*${VER}`, "g");
const GROUP = new RegExp(String.raw`^\s*(?:${OPS})?\s*${VER}\s*(?:(?:\s+|,\s*)(?:${OPS})?\s*${VER}\s*)*$`);
const RANGE = new RegExp(String.raw`\s*(${VER})\s+-\s+(${VER})\s*`, "g");

const isX = (s: string | undefined) => s === "x" || s === "X" || s === "*";

/**
 * Masterminds' NewConstraint; throws `improper constraint: "<group>"` (Go's %q) for what it cannot read,
 * the empty string included (Helm asks for `*` when no version is given).
 */
export function parseConstraint(text: string): Constraint {
  const groups = text.replace(RANGE, (_, lo: string, hi: string) => `>= ${lo}, <= ${hi} `).split("||");
  const parsed = groups.map((g) => {
    if (!GROUP.test(g)) throw new Error(`improper constraint: ${JSON.stringify(g)}`);
    const cmps = (g.match(FIND) ?? []).map((c) => comparison(c));
    return { cmps, pre: cmps.some((c) => c.v.pre !== "") };
  });
  // Masterminds skips prereleases unless a comparison of the same group names one.
  return (v) => parsed.some((g) => (v.pre === "" || g.pre) && g.cmps.every((c) => check(c, v)));
}

function comparison(text: string): Comparison {
  const m = ONE.exec(text);
  if (!m) throw new Error(`improper constraint: ${JSON.stringify(text)}`);
  const parts = [m[2], m[3], m[4]];
  // The grammar lets `1x` through; Masterminds then fails to build the version.
  if (parts.some((p) => p !== undefined && !/^(?:[0-9]+|[xX*])$/.test(p))) throw new Error("constraint parser error");
  const rawOp = m[1] ?? "";
  const op: Op = rawOp === "" ? "=" : rawOp === "=>" ? ">=" : rawOp === "=<" ? "<=" : rawOp === "~>" ? "~" : (rawOp as Op);
  const [major, minor, patch] = parts;
  const pre = m[5] ?? "";
  const v = (a: number, b: number, c: number): Version => ({ major: a, minor: b, patch: c, pre, build: "" });
  // A wildcard or a missing part makes the comparison "dirty": it speaks of a range, not one version.
  if (isX(major)) return { op, v: v(0, 0, 0), minorDirty: false, patchDirty: false, dirty: true };
  if (minor === undefined || isX(minor)) return { op, v: v(Number(major), 0, 0), minorDirty: true, patchDirty: false, dirty: true };
  if (patch === undefined || isX(patch)) return { op, v: v(Number(major), Number(minor), 0), minorDirty: false, patchDirty: true, dirty: true };
  return { op, v: v(Number(major), Number(minor), Number(patch)), minorDirty: false, patchDirty: false, dirty: false };
}

function check(c: Comparison, v: Version): boolean {
  const cmp = compareVersions(v, c.v);
  switch (c.op) {
    case "=":
      return c.dirty ? tilde(c, v) : cmp === 0;
    case "!=":
      if (c.dirty) {
        if (c.v.major !== v.major) return true;
        if (c.minorDirty) return false;
        if (c.v.minor !== v.minor) return true;
        if (c.patchDirty) return (v.pre !== "" || c.v.pre !== "") && compareVersions({ ...v, major: 0, minor: 0, patch: 0 }, { ...c.v, major: 0, minor: 0, patch: 0 }) !== 0;
      }
      return cmp !== 0;
    case ">":
      if (c.dirty && v.major !== c.v.major) return v.major > c.v.major;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.v.minor;
      return cmp > 0;
    case "<":
      return cmp < 0;
    case ">=":
      return cmp >= 0;
    case "<=":
      if (!c.dirty) return cmp <= 0;
      if (v.major > c.v.major) return false;
      return !(v.major === c.v.major && v.minor > c.v.minor && !c.minorDirty);
    case "~":
      return tilde(c, v);
    case "^":
      return caret(c, v);
  }
}

function tilde(c: Comparison, v: Version): boolean {
  if (compareVersions(v, c.v) < 0) return false;
  const { major, minor, patch } = c.v;
  if (major === 0 && minor === 0 && patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== major) return false;
  return c.minorDirty || v.minor === minor;
}

function caret(c: Comparison, v: Version): boolean {
  if (compareVersions(v, c.v) < 0) return false;
  if (c.v.major > 0 || c.minorDirty) return v.major === c.v.major;
  if (v.major > 0) return false;
  if (c.v.minor > 0 || c.patchDirty) return v.minor === c.v.minor;
  if (v.minor > 0) return false;
  return v.patch === c.v.patch;
}
