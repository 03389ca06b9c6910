/**
 * The deprecated `vars:` field, built as kustomize v5 builds it:
 * - each kustomization's vars are recorded on the one resource their objref names (kind, name, the
 *   group/version of `apiVersion` or `group`/`version`, and the namespace when given; any id the resource
 *   had counts, so a base's name before a prefix still matches), after its own transformers ran;
 * - vars travel up from bases and components; a name seen twice fails ("var 'X' already encountered");
 * - at the very end of the build (after hashes and name references) each var's value is read from its
 *   resource at `fieldref.fieldpath` (default `metadata.name`, dots with `[N]` list indexes) and
 *   `$(NAME)` is replaced in the strings at the varReference field specs (kustomize's builtin table plus
 *   `configurations:`). A string that is exactly `$(NAME)` takes the value's type (an int stays an int),
 *   `$$` is an escaped `$`, and an unknown `$(X)` stays as written (the object's own labels and
 *   annotations stay strings).
 */
import { specs, splitPath, visitSpecs, type FieldSpec } from "./field-spec.ts";
import { allIds, curId, formatId, isObject, nsEquals, splitApiVersion, type KObject, type Resource } from "./resource.ts";

export interface VarDef {
  name: string;
  objref: { kind: string; name: string; group: string; version: string; apiVersion?: string; namespace: string };
  fieldpath: string;
}

/** kustomize's builtin varReference field specs. */
const POD_PATHS = ["containers/args", "containers/command", "containers/env/value", "containers/volumeMounts/mountPath",
  "initContainers/args", "initContainers/command", "initContainers/env/value", "initContainers/volumeMounts/mountPath"];
const TEMPLATED = ["DaemonSet", "Deployment", "Job", "ReplicaSet", "StatefulSet"];
export const BUILTIN_VAR_REFERENCE: FieldSpec[] = specs([
  ...POD_PATHS.map((p) => `spec/jobTemplate/spec/template/spec/${p} kind=CronJob`),
  "spec/jobTemplate/spec/template/volumes/nfs/server kind=CronJob",
  ...TEMPLATED.flatMap((k) => [...POD_PATHS.map((p) => `spec/template/spec/${p} kind=${k}`), ...(k === "StatefulSet" ? [] : [`spec/template/spec/volumes/nfs/server kind=${k}`])]),
  "spec/template/metadata/annotations kind=Deployment",
  "spec/rules/host kind=Ingress",
  "spec/tls/hosts kind=Ingress",
  "spec/tls/secretName kind=Ingress",
  ...POD_PATHS.map((p) => `spec/${p} kind=Pod`),
  "spec/volumes/nfs/server kind=Pod",
  "spec/ports/port kind=Service",
  "spec/ports/targetPort kind=Service",
  "spec/volumeClaimTemplates/spec/nfs/server kind=StatefulSet",
  "spec/nfs/server kind=PersistentVolume",
  "metadata/labels",
  "metadata/annotations",
].join("\n"));

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * A member of a decoded map as Go's encoding/json finds a struct field: the exact key first, then any key
 * equal under case folding. kustomize decodes kustomizations that way, so `fieldPath:` is `fieldpath`.
 */
function member(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  const found = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : obj[found];
}

/** Parses the `vars:` entries of one kustomization (as written, before defaulting). */
export function parseVars(raw: unknown[], file: string): VarDef[] {
  return raw.map((v, i) => {
    const name = isObject(v) ? member(v, "name") : undefined;
    if (!isObject(v) || typeof name !== "string" || name === "") throw new Error(`Invalid kustomization ${file}: vars[${i}] needs a name`);
    const objref = member(v, "objref");
    const fieldref = member(v, "fieldref");
    const ref = isObject(objref) ? objref : {};
    const field = isObject(fieldref) ? fieldref : {};
    const at = (key: string) => str(member(ref, key));
    return {
      name,
      objref: {
        kind: at("kind"), name: at("name"), group: at("group"), version: at("version"), namespace: at("namespace"),
        ...(at("apiVersion") ? { apiVersion: at("apiVersion") } : {}),
      },
      fieldpath: str(member(field, "fieldpath")),
    };
  });
}

/** kustomize's defaulting: fieldpath metadata.name, group/version from apiVersion when set. */
function defaulted(v: VarDef): VarDef {
  const ref = { ...v.objref };
  if (ref.apiVersion) Object.assign(ref, splitApiVersion(ref.apiVersion));
  return { ...v, objref: ref, fieldpath: v.fieldpath || "metadata.name" };
}

/** How kustomize prints a var in its errors: `{NAME Kind.version.group {fieldpath}}`. */
function formatVar(v: VarDef): string {
  const r = v.objref;
  return `{${v.name} ${r.kind}.${r.version || "[noVer]"}.${r.group || "[noGrp]"} {${v.fieldpath}}}`;
}

/** Adds `incoming` to `into`, failing on a name already there. */
export function mergeVarSet(into: VarDef[], incoming: VarDef[]): void {
  for (const v of incoming) {
    if (into.some((x) => x.name === v.name)) throw new Error(`var '${v.name}' already encountered`);
    into.push(v);
  }
}

/** Records one kustomization's vars on the resources they name and adds them to `into`. */
export function mergeVars(into: VarDef[], incoming: VarDef[], resources: Resource[]): void {
  try {
    for (const raw of incoming) {
      const r = defaulted(raw).objref;
      const matched = resources.filter((res) => allIds(res).some((id) =>
        id.kind === r.kind && id.name === r.name && id.group === r.group && id.version === r.version &&
        (r.namespace === "" || nsEquals(id, { ...id, namespace: r.namespace }))));
      // kustomize prints this var after reading apiVersion but before defaulting the fieldpath.
      if (matched.length > 1) throw new Error(`found ${matched.length} resId matches for var ${formatVar({ ...raw, objref: r })} (unable to disambiguate)`);
      if (matched.length === 1) (matched[0]!.refVars ??= []).push(raw.name);
    }
    mergeVarSet(into, incoming.map(defaulted));
  } catch (err) {
    throw new Error(`merging vars [${incoming.map(formatVar).join(" ")}]: ${(err as Error).message}`);
  }
}

/** The value at a kustomize field path (`spec.ports[0].port`), or undefined. */
function fieldValue(obj: KObject, path: string): unknown {
  const parts: string[] = [];
  for (const p of path.split(".")) {
    const m = /^(.*)\[(\d+)\]$/.exec(p);
    if (m) {
      if (m[1]) parts.push(m[1]);
      parts.push(m[2]!);
    } else parts.push(p);
  }
  let node: unknown = obj;
  for (const p of parts) {
    if (Array.isArray(node)) {
      const kv = /^\[?([^=\]]+)=([^\]]*)\]?$/.exec(p);
      node = kv ? node.find((el) => isObject(el) && String(el[kv[1]!]) === kv[2]) : /^\d+$/.test(p) ? node[Number(p)] : undefined;
    } else if (isObject(node)) node = node[p];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** kustomize's `$(VAR)` expansion; a string that is exactly one reference returns the value itself. */
export function expandVars(input: string, lookup: (name: string) => unknown): unknown {
  let out = "";
  let checkpoint = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== "$" || i + 1 >= input.length) continue;
    out += input.slice(checkpoint, i);
    const next = input[i + 1];
    let advance = 1;
    if (next === "$") out += "$";
    else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) out += "$(";
      else {
        const name = input.slice(i + 2, close);
        const value = lookup(name);
        if (input === `$(${name})`) return value;
        out += String(value);
        advance = close - i;
      }
    } else out += `$${next}`;
    i += advance;
    checkpoint = i + 1;
  }
  return out + input.slice(checkpoint);
}

/** kustomize's error prefix for the part of a field spec walked after its last list: "visit traversal on path: [args]: ". */
function traversal(obj: KObject, path: string): string {
  const parts = splitPath(path);
  let node: unknown = obj;
  let after = -1;
  for (let i = 0; i < parts.length - 1; i++) {
    node = Array.isArray(node) ? node[0] : node;
    node = isObject(node) ? node[parts[i]!] : undefined;
    if (Array.isArray(node)) after = i + 1;
  }
  return after < 0 ? "" : `visit traversal on path: [${parts.slice(after).join(" ")}]: `;
}

/** Resolves every var and substitutes it at the varReference field specs (the last step of a build). */
export function resolveVars(vars: VarDef[], resources: Resource[], extraSpecs: FieldSpec[]): void {
  if (!vars.length) return;
  const values = new Map<string, unknown>();
  for (const v of [...vars].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const res = resources.find((r) => r.refVars?.includes(v.name));
    if (!res) throw new Error(`var '${formatVar(v)}' cannot be mapped to a field in the set of known resources`);
    const value = fieldValue(res.obj, v.fieldpath);
    if (value === undefined || value === null) throw new Error(`field specified in var '${formatVar(v)}' not found in corresponding resource`);
    values.set(v.name, value);
  }
  const lookup = (name: string): unknown => {
    const v = values.get(name);
    return v === undefined || typeof v === "object" ? `$(${name})` : v;
  };
  const key = (s: FieldSpec) => `${s.group ?? ""}|${s.version ?? ""}|${s.kind ?? ""}|${s.path}`;
  const builtin = new Set(BUILTIN_VAR_REFERENCE.map(key));
  // Substitution never creates fields, whatever a configurations entry's `create` says.
  const fieldSpecs = [...BUILTIN_VAR_REFERENCE, ...extraSpecs.filter((s) => !builtin.has(key(s)))].map((s) => ({ ...s, create: false }));
  for (const r of resources) {
    visitSpecs(r.obj, fieldSpecs, (parent, key, fs) => {
      const node = parent[key];
      if (typeof node === "string") parent[key] = expandVars(node, lookup);
      else if (Array.isArray(node)) {
        node.forEach((item, i) => {
          if (typeof item !== "string") throw new Error(`considering field '${fs.path}' of object ${formatId(curId(r.obj))}: ${traversal(r.obj, fs.path)}invalid value type expect a string`);
          node[i] = expandVars(item, lookup);
        });
      } else if (isObject(node)) {
        // The object's own labels and annotations are string maps in kustomize: a typed value is written as text.
        const own = parent === r.obj.metadata && (key === "labels" || key === "annotations");
        for (const [k, item] of Object.entries(node)) {
          if (typeof item !== "string") continue;
          const value = expandVars(item, lookup);
          node[k] = own ? String(value) : value;
        }
      }
    });
  }
}
