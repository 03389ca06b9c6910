/**
 * A sops file in any of the five formats: read into branches plus metadata, and written back. This is
 * the one place that knows where each store keeps the metadata: a top-level `sops` key (YAML, JSON,
 * binary; YAML's first document holds it and every document carries a copy), `sops_…` lines (dotenv),
 * or a `[sops]` section (INI).
 */
import { emitDotenv, parseDotenv } from "./dotenv-store.ts";
import { flattenBranch, unflattenItems } from "./flatten.ts";
import { emitIni, parseIni } from "./ini-store.ts";
import { emitJsonValue, FormatError, parseJsonBranch } from "./json-store.ts";
import { MetadataError, metadataFromBranch, metadataToBranch, type SopsMetadata } from "./metadata.ts";
import { Branch, BinaryString, type TreeItem } from "./tree.ts";
import { emitYamlDocuments } from "./yaml-v3-emit.ts";
import { fastYamlBranches, parseYamlBranches } from "./yaml-store.ts";

export type SopsFormat = "yaml" | "json" | "dotenv" | "ini" | "binary";

export const SOPS_KEY = "sops";
const utf8 = new TextEncoder();

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** The plain branches of a file (no metadata expected), as `sops -e` reads its input. */
export function loadPlain(bytes: Uint8Array, format: SopsFormat): Branch[] {
  switch (format) {
    case "yaml":
      return parseYamlBranches(decodeText(bytes));
    case "json":
      return [parseJsonBranch(decodeText(bytes))];
    case "dotenv":
      return [parseDotenv(decodeText(bytes))];
    case "ini":
      return [parseIni(decodeText(bytes))];
    case "binary": {
      let data: string | BinaryString;
      try {
        data = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        data = new BinaryString(bytes);
      }
      return [new Branch([{ key: "data", value: data }])];
    }
  }
}

/**
 * The encrypted file's branches with the metadata taken out. `fast` reads YAML through agent/yaml when
 * that gives the same tree (yaml-store.ts fastYamlBranches); undefined when it cannot.
 */
export function loadEncrypted(bytes: Uint8Array, format: SopsFormat, fast = false): { branches: Branch[]; metadata: SopsMetadata } {
  const quick = fast && format === "yaml" ? fastYamlBranches(decodeText(bytes)) : undefined;
  const branches = quick ?? (format === "binary" ? [parseJsonBranch(decodeText(bytes))] : loadPlain(bytes, format));
  if (format === "dotenv" || format === "ini") return extractFlat(branches, format);
  let meta: Branch | undefined;
  let found = false;
  for (const [i, b] of branches.entries()) {
    const at = b.items.findIndex((it) => it.key === SOPS_KEY);
    if (at < 0) continue;
    if (i === 0) {
      if (found) throw new MetadataError("Found duplicate sops entry");
      found = true;
      const v = b.items[at]!.value;
      if (!(v instanceof Branch)) throw new MetadataError("Found sops entry that is not a mapping");
      meta = v;
    }
    // Every document's copy goes; the first document's is the one that counts.
    for (let j = b.items.length - 1; j >= 0; j--) if (b.items[j]!.key === SOPS_KEY) b.items.splice(j, 1);
  }
  if (!meta) throw new MetadataError("sops metadata not found");
  return { branches, metadata: metadataFromBranch(meta) };
}

function extractFlat(branches: Branch[], format: "dotenv" | "ini"): { branches: Branch[]; metadata: SopsMetadata } {
  const first = branches[0] ?? new Branch();
  let flat: TreeItem[];
  if (format === "dotenv") {
    flat = [];
    first.items = first.items.filter((it) => {
      if (typeof it.key !== "string" || !it.key.startsWith(`${SOPS_KEY}_`)) return true;
      flat.push({ key: it.key.slice(SOPS_KEY.length + 1), value: it.value });
      return false;
    });
    if (flat.length === 0) throw new MetadataError("sops metadata not found");
  } else {
    const at = first.items.findIndex((it) => it.key === SOPS_KEY);
    if (at < 0) throw new MetadataError("sops metadata not found");
    const section = first.items[at]!.value;
    first.items.splice(at, 1);
    if (!(section instanceof Branch)) throw new MetadataError("Found sops entry that is not a mapping");
    flat = section.items.map((it) => ({ key: it.key, value: typeof it.value === "string" ? it.value.replaceAll("\\n", "\n") : it.value }));
  }
  return { branches, metadata: metadataFromBranch(unflattenItems(flat)) };
}

/** The file's bytes with the metadata put back where the format keeps it. */
export function emitEncrypted(branches: Branch[], metadata: SopsMetadata, format: SopsFormat, indent?: number): Uint8Array {
  const meta = metadataToBranch(metadata);
  for (const b of branches) {
    if (b.items.some((it) => it.key === SOPS_KEY || (format === "dotenv" && typeof it.key === "string" && it.key.startsWith(`${SOPS_KEY}_`)))) {
      throw new FormatError(`Found a key in the data that is reserved for the sops metadata`);
    }
  }
  switch (format) {
    case "dotenv":
      return utf8.encode(emitDotenv(new Branch([...branches[0]!.items, ...flattenBranch(meta, `${SOPS_KEY}_`)])));
    case "ini": {
      const flat = flattenBranch(meta, "").map((it) => ({ key: it.key, value: typeof it.value === "string" ? it.value.replaceAll("\n", "\\n") : it.value }));
      return utf8.encode(emitIni(new Branch([...branches[0]!.items, { key: SOPS_KEY, value: new Branch(flat) }])));
    }
    default:
      return emitPlain(branches.map((b) => new Branch([...b.items, { key: SOPS_KEY, value: meta }])), format === "binary" ? "json" : format, indent);
  }
}

/** The branches as a plain file of the format, as `sops -d` prints it. */
export function emitPlain(branches: Branch[], format: SopsFormat, indent?: number): Uint8Array {
  switch (format) {
    case "yaml":
      return utf8.encode(emitYamlDocuments(branches, indent ?? 4));
    case "json":
      return utf8.encode(emitJsonValue(branches[0] ?? new Branch(), indent === undefined ? "\t" : " ".repeat(indent)) + "\n");
    case "dotenv":
      return utf8.encode(emitDotenv(branches[0] ?? new Branch()));
    case "ini":
      return utf8.encode(emitIni(branches[0] ?? new Branch()));
    case "binary": {
      if (branches.length !== 1) throw new FormatError("error emitting binary store: there must be exactly one tree branch");
      const data = branches[0]!.get("data");
      if (data instanceof BinaryString) return data.bytes;
      if (typeof data === "string") return utf8.encode(data);
      throw new FormatError(data === undefined ? "error emitting binary store: no binary data found in tree" : "error emitting binary store: 'data' key in tree does not have a string value");
    }
  }
}
