/**
 * The name suffix kustomize appends to generated ConfigMaps and Secrets: the sha256 of a Go-style JSON
 * encoding of kind, name, type and data, cut to 10 hex digits with 0,1,3,a,e swapped for g,h,k,m,t (so the
 * suffix never looks like a number or a word). Facts that matter for matching kustomize exactly:
 * - kustomize looks the name up with a path its lookup does not split, so the name it hashes is always "";
 * - Go's encoder sorts map keys and escapes <, >, &, U+2028 and U+2029;
 * - a missing data map hashes as the empty string, not as {}.
 */
import { isObject, type KObject } from "./resource.ts";

/** JSON the way Go's encoding/json writes it for maps of strings and strings. */
export function goJson(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value)
      .replace(/\\\\|\\b|\\f/g, (m) => (m === "\\b" ? "\\u0008" : m === "\\f" ? "\\u000c" : m))
      .replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort(byUtf8);
    return `{${keys.map((k) => `${goJson(k)}:${goJson(value[k])}`).join(",")}}`;
  }
  if (value === undefined) return "null";
  return JSON.stringify(value);
}

/** Go sorts map keys by bytes; for UTF-16 strings code-point order is the same as UTF-8 byte order. */
function byUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!.codePointAt(0)!;
    const y = cb[i]!.codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

/** The text kustomize hashes for a ConfigMap or Secret. */
export function hashInput(obj: KObject): string {
  const field = (k: string): unknown => (isObject(obj[k]) ? obj[k] : "");
  if (obj.kind === "Secret") {
    const m: Record<string, unknown> = { kind: "Secret", type: typeof obj.type === "string" ? obj.type : "", name: "", data: field("data") };
    if (isObject(obj.stringData)) m.stringData = obj.stringData;
    return goJson(m);
  }
  const m: Record<string, unknown> = { kind: "ConfigMap", name: "", data: field("data") };
  if (isObject(obj.binaryData)) m.binaryData = obj.binaryData;
  return goJson(m);
}

const SWAP: Record<string, string> = { "0": "g", "1": "h", "3": "k", a: "m", e: "t" };

/** Turns a hex digest into kustomize's 10-character suffix. */
export function encodeSuffix(hex: string): string {
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => SWAP[c]!);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The suffix kustomize would append to this generated ConfigMap or Secret. */
export async function contentHash(obj: KObject): Promise<string> {
  return encodeSuffix(await sha256Hex(hashInput(obj)));
}
