/**
 * The Setters update strategy of ImageUpdateAutomation, as image-automation-controller runs it over
 * kyaml's setters: every `.yaml`/`.yml` file (and every file named `Kustomization`) under the update path
 * that contains the token `"$imagepolicy"` is parsed, and each scalar value in a mapping or sequence
 * whose line comment is the JSON `{"$imagepolicy": "<ns>:<policy>[:tag|:name|:digest]"}` is set to the
 * policy's latest image: `name:tag` (`@digest` added when the policy reflected one), or just the tag, the
 * name or the digest.
 *
 * Unlike Flux, which writes a changed file back through kyaml's serializer, only the changed scalars'
 * bytes are replaced: comments, quoting, indentation, anchors, other documents and line endings stay as
 * they were. A value is written in the style it had (plain, single- or double-quoted); a plain value that
 * YAML would read as something other than a string (`1.10`, `yes`) is double-quoted, as kyaml does.
 *
 * As in Flux: a policy without `status.latestRef` defines no setters, so its markers (like markers naming
 * a policy that was not given, e.g. another namespace's) change nothing; a file that contains the token
 * but does not parse is skipped; only files with a changed value are returned. What Flux drops silently
 * is reported here as a per-file note. Limits: head comments (a marker on the line above a value) and
 * block scalars (`|`, `>`) are not setter sites.
 */
import { parseAllDocuments, visit, isMap, isScalar, type Document, type Scalar } from "yaml";
import type { TreeReader } from "../core/tree-reader.ts";
import { scalarStyle, doubleQuoted } from "../yaml/string-scalar.ts";
import { isImageReference } from "./image-name.ts";
import { addChange, type FileChanges, type ObjectIdentifier } from "./update-result.ts";

export const DEFAULTS = {
  /** Files without this exact text are not parsed at all (Flux's ScreeningLocalReader token). */
  token: '"$imagepolicy"',
  /** The marker's key in the comment's JSON object (fieldmeta's short-hand ref). */
  markerKey: "$imagepolicy",
  /** A candidate file larger than this is skipped with a note instead of parsed. */
  maxFileBytes: 16 * 1024 * 1024,
} as const;

/** An ImagePolicy as the setters need it: its name and the latest image its status reports. */
export interface PolicyImage {
  namespace: string;
  name: string;
  latestRef?: { name: string; tag: string; digest?: string };
}

/** A file left alone for a reason worth telling (not parsable, too large, a marker nobody defines). */
export interface SetterNote {
  file: string;
  message: string;
}

export interface SetterUpdate {
  /** The changes, keyed by file path relative to the update path (Flux's Result.FileChanges). */
  fileChanges: FileChanges;
  /** New contents of each changed file, keyed by its path in the tree. */
  files: Map<string, Uint8Array>;
  notes: SetterNote[];
}

/** `ns:name`: the setter name of a policy's full image, and the prefix of its part setters. */
export const setterName = (p: { namespace: string; name: string }) => `${p.namespace}:${p.name}`;

/**
 * The value of every setter the policies define: four per policy with a latest image. Throws with
 * Flux's message when a latest image does not parse as an image reference.
 */
export function setterValues(policies: readonly PolicyImage[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const p of policies) {
    const ref = p.latestRef;
    if (!ref) continue;
    const image = `${ref.name}:${ref.tag}${ref.digest ? `@${ref.digest}` : ""}`;
    if (!isImageReference(image)) throw new Error(`encountered invalid image ref "${image}": could not parse reference: ${image}`);
    const base = setterName(p);
    values.set(base, image);
    values.set(`${base}:tag`, ref.tag);
    values.set(`${base}:name`, ref.name);
    values.set(`${base}:digest`, ref.digest ?? "");
  }
  return values;
}

/** Whether the setters look at a file of this name (Flux: the extension, or the exact name Kustomization). */
export function isSetterCandidate(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (base === "Kustomization") return true;
  const dot = base.lastIndexOf(".");
  const ext = dot < 0 ? "" : base.slice(dot);
  return ext === ".yaml" || ext === ".yml";
}

/**
 * `path` (spec.update.path) as a path in the tree: `./`, empty segments and `..` resolved, never above
 * the root (as Flux's secure join keeps it inside the checkout).
 */
export function treePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out.join("/");
}

/**
 * Runs the setters over the files under `path` in `tree`. Throws when the path does not exist or a
 * policy's latest image is not an image reference; everything about one file ends as a note.
 */
export function updateWithSetters(tree: TreeReader, path: string | undefined, policies: readonly PolicyImage[]): SetterUpdate {
  const setters = setterValues(policies);
  const root = treePath(path ?? "");
  const out: SetterUpdate = { fileChanges: new Map(), files: new Map(), notes: [] };
  const files = root === "" || tree.isDir(root) ? walk(tree, root) : tree.read(root) ? [root] : undefined;
  if (!files) throw new Error(`Cannot update the files under "${path}": no such file or directory`);
  // Keys are relative to the update path, as Flux's are; a single file is relative to its directory.
  const base = files.length === 1 && files[0] === root && !tree.isDir(root) ? root.slice(0, root.lastIndexOf("/") + 1) : root === "" ? "" : `${root}/`;
  for (const file of files) {
    const data = tree.read(file);
    if (!data) continue;
    const rel = file.slice(base.length);
    const note = (message: string) => out.notes.push({ file: rel, message });
    if (!containsToken(data)) continue;
    if (data.length > DEFAULTS.maxFileBytes) {
      note(`skipped: the file has ${data.length} bytes, more than the ${DEFAULTS.maxFileBytes} the setters read`);
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      note("skipped: the file is not UTF-8 text");
      continue;
    }
    const updated = updateText(text, setters);
    if ("error" in updated) {
      note(`skipped: cannot parse the file as YAML: ${updated.error}`);
      continue;
    }
    for (const name of updated.unknown) note(`left alone: the marker names ${name}, which is not a setter of this automation's policies`);
    if (updated.changes.length === 0) continue;
    for (const { object, change } of updated.changes) if (object) addChange(out.fileChanges, rel, object, change);
    out.files.set(file, new TextEncoder().encode(updated.text));
  }
  return out;
}

const TOKEN = new TextEncoder().encode(DEFAULTS.token);

function containsToken(data: Uint8Array): boolean {
  const first = TOKEN[0]!;
  for (let i = data.indexOf(first); i >= 0 && i + TOKEN.length <= data.length; i = data.indexOf(first, i + 1)) {
    let j = 1;
    while (j < TOKEN.length && data[i + j] === TOKEN[j]) j++;
    if (j === TOKEN.length) return true;
  }
  return false;
}

/** The candidate files under `dir`, in Go's byte order as filepath.Walk visits them; symlinks are skipped. */
function walk(tree: TreeReader, dir: string): string[] {
  const out: string[] = [];
  for (const e of tree.list(dir)) {
    const p = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.kind === "dir") out.push(...walk(tree, p));
    else if (e.kind === "file" && isSetterCandidate(p)) out.push(p);
  }
  return out;
}

interface TextUpdate {
  text: string;
  /** In document order; `object` is absent when the document is not a mapping (Flux records nothing then). */
  changes: { object?: ObjectIdentifier; change: { oldValue: string; newValue: string; setter: string } }[];
  /** Marker names no policy defines, each once. */
  unknown: string[];
}

/** Sets the marked scalars of one file's text; the parse error when it is not YAML. */
export function updateText(text: string, setters: ReadonlyMap<string, string>): TextUpdate | { error: string } {
  // The parser's own unique-key check compares every key with every other (minutes for a 100k-line
  // mapping); duplicateKey does the same check with a set.
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs)) return { text, changes: [], unknown: [] };
  for (const doc of docs) {
    const err = doc.errors[0]?.message ?? duplicateKey(doc);
    if (err) return { error: err };
  }
  const edits: { start: number; end: number; text: string }[] = [];
  const changes: TextUpdate["changes"] = [];
  const unknown = new Set<string>();
  for (const doc of docs) {
    const object = objectOf(doc);
    visit(doc, {
      Scalar(key, node) {
        if (key === "key" || !node.range) return;
        const marker = markerOf(text, node.range[1]);
        if (marker === undefined) return;
        const value = setters.get(marker);
        if (value === undefined) {
          unknown.add(marker);
          return;
        }
        const written = render(node, value);
        if (written === undefined) return;
        const old = String(node.source ?? node.value);
        if (old === value) return;
        edits.push({ start: node.range[0], end: node.range[1], text: written });
        changes.push({ ...(object ? { object } : {}), change: { oldValue: old, newValue: value, setter: marker } });
      },
    });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, changes, unknown: [...unknown] };
}

/**
 * The marker in the comment that follows a value on its own line: the comment text (all leading `#`
 * dropped, as fieldmeta does) must be a JSON object of strings with a non-empty `$imagepolicy`.
 */
function markerOf(text: string, valueEnd: number): string | undefined {
  let i = valueEnd;
  while (text[i] === " " || text[i] === "\t") i++;
  if (text[i] !== "#" || i === valueEnd) return undefined;
  let end = text.indexOf("\n", i);
  if (end < 0) end = text.length;
  const comment = text.slice(i, end).replace(/^#+/, "");
  if (!comment.includes(DEFAULTS.markerKey)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(comment);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  // Go decodes the comment into map[string]string: any other value type is not a marker.
  if (Object.values(parsed).some((v) => v !== null && typeof v !== "string")) return undefined;
  const name = (parsed as Record<string, unknown>)[DEFAULTS.markerKey];
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** `value` as the source text of a scalar written in `node`'s style; undefined for block scalars. */
function render(node: Scalar, value: string): string | undefined {
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return doubleQuoted(value);
    case "QUOTE_SINGLE":
      return value.includes("\n") ? doubleQuoted(value) : `'${value.replaceAll("'", "''")}'`;
    case "PLAIN": {
      // kyaml quotes a value YAML 1.1 reads as a non-string; YAML's emitter quotes what cannot be plain.
      const style = scalarStyle(value);
      if (style === "plain") return value;
      if (style === "single") return `'${value.replaceAll("'", "''")}'`;
      return doubleQuoted(value);
    }
    default:
      return undefined;
  }
}

/** A mapping key that appears twice (YAML forbids it and go-yaml refuses it), as a message. */
function duplicateKey(doc: Document): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (key === "<<") continue;
        if (seen.has(key)) {
          found = `Map keys must be unique: "${key}" appears twice`;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/** The document's identity as kyaml's GetMeta reads it, or undefined when its root is not a mapping. */
function objectOf(doc: Document): ObjectIdentifier | undefined {
  if (!isMap(doc.contents)) return undefined;
  const str = (v: unknown) => (isScalar(v) && v.value !== null && typeof v.value !== "object" ? String(v.value) : "");
  return {
    apiVersion: str(doc.get("apiVersion", true)),
    kind: str(doc.get("kind", true)),
    name: str(doc.getIn(["metadata", "name"], true)),
    namespace: str(doc.getIn(["metadata", "namespace"], true)),
  };
}
