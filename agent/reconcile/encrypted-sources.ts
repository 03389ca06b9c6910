/**
 * The documents in an artifact that carry a sops block, found by their `mac`, and the use the resource
 * decryption makes of them. sops' MAC covers every value of a document, unencrypted ones included, so a
 * resource kustomize has renamed, labelled or moved to a namespace no longer matches it: Flux therefore
 * skips the check. Here the check is kept where it means something, on the document as committed: its
 * file is decrypted (MAC verified), and each ciphertext in the built resource is replaced with the
 * plaintext the same ciphertext had in the file (a sops value's random IV makes it unique). The document
 * is decrypted from its own bytes, in the order sops hashed it (a JSON re-marshal would sort the keys).
 * Limits: the index reads every .yaml/.yml/.json file of the tree that mentions a sops MAC, once per build
 * and only when a built resource has a sops block.
 */
import type { TreeReader } from "../core/tree-reader.ts";
import type { KObject } from "../kustomize/resource.ts";
import { parseDocuments } from "../yaml/parse.ts";

export interface EncryptedSource {
  /** The file's path in the tree. */
  path: string;
  /**
   * The documents as written, sops blocks included: one, or every document of a YAML stream sops
   * encrypted as a whole (each carries the same metadata and `mac`, which covers them all).
   */
  docs: KObject[];
  /** Their text, as sops hashed it, and the store that reads it. */
  bytes: Uint8Array;
  format: "yaml" | "json";
}

export type SourceOf = (obj: KObject) => EncryptedSource | undefined;

const MARKERS = ["mac: ENC[", '"mac": "ENC[', '"mac":"ENC['];

/** The sops documents of `tree`, by their `sops.mac`; read on the first call. */
export function encryptedSources(tree: TreeReader): SourceOf {
  let index: Map<string, EncryptedSource> | undefined;
  return (obj) => {
    index ??= buildIndex(tree);
    return index.get(macOf(obj) ?? "");
  };
}

export function macOf(obj: KObject): string | undefined {
  const mac = (obj.sops as Record<string, unknown> | undefined)?.mac;
  return typeof mac === "string" ? mac : undefined;
}

/** A YAML stream's documents as text: split at `---` lines, as each was encrypted on its own. */
function yamlSegments(text: string): string[] {
  return text.split(/^---(?:[ \t].*)?$/m);
}

function buildIndex(tree: TreeReader): Map<string, EncryptedSource> {
  const index = new Map<string, EncryptedSource>();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const walk = (dir: string): void => {
    for (const e of tree.list(dir)) {
      const path = dir === "" ? e.name : `${dir}/${e.name}`;
      if (e.kind === "dir") walk(path);
      if (e.kind !== "file" || !/\.(ya?ml|json)$/.test(e.name)) continue;
      const text = decoder.decode(tree.read(path) ?? new Uint8Array());
      if (!MARKERS.some((m) => text.includes(m))) continue;
      const format = e.name.endsWith(".json") ? "json" : "yaml";
      // The file's sops documents grouped by mac, in order: one group per encryption.
      const groups = new Map<string, { docs: KObject[]; texts: string[] }>();
      for (const segment of format === "json" ? [text] : yamlSegments(text)) {
        if (!MARKERS.some((m) => segment.includes(m))) continue;
        let doc: unknown;
        try {
          [doc] = parseDocuments(segment, path);
        } catch {
          continue; // not a document the build could have read
        }
        const mac = typeof doc === "object" && doc !== null ? macOf(doc as KObject) : undefined;
        if (!mac || index.has(mac)) continue;
        const g = groups.get(mac) ?? { docs: [], texts: [] };
        g.docs.push(doc as KObject);
        g.texts.push(segment.replace(/^\n/, ""));
        groups.set(mac, g);
      }
      for (const [mac, g] of groups) index.set(mac, { path, docs: g.docs, bytes: encoder.encode(g.texts.join("---\n")), format });
    }
  };
  walk("");
  return index;
}

const CIPHERTEXT = /^ENC\[AES256_GCM,data:/;

/** Each ciphertext of `written` paired with the value at the same place in `plain` (its decryption). */
export function plaintextByCiphertext(written: unknown, plain: unknown, out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof written === "string") {
    if (CIPHERTEXT.test(written)) out.set(written, plain);
  } else if (Array.isArray(written)) {
    written.forEach((w, i) => plaintextByCiphertext(w, Array.isArray(plain) ? plain[i] : undefined, out));
  } else if (typeof written === "object" && written !== null) {
    const p = (typeof plain === "object" && plain !== null ? plain : {}) as Record<string, unknown>;
    for (const [k, w] of Object.entries(written)) if (k !== "sops") plaintextByCiphertext(w, p[k], out);
  }
  return out;
}

/** `built` without its sops block, every ciphertext found in `plain` replaced by its plaintext. */
export function withPlaintext(built: KObject, plain: Map<string, unknown>): KObject {
  const swap = (v: unknown): unknown => {
    if (typeof v === "string") return plain.has(v) ? plain.get(v) : v;
    if (Array.isArray(v)) return v.map(swap);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    return v;
  };
  const { sops: _sops, ...rest } = built;
  return swap(rest) as KObject;
}
