/**
 * A stand-in for agent/sops in the decryption plumbing's unit tests: a "sealed" file is the format's
 * MAC marker (Flux's marker bytes) plus its plaintext in base64, so the tests see which files and
 * values were decrypted, in which formats, without cryptography. "tampered" in a file makes it fail
 * as a MAC mismatch would. A sealed resource has its `data`/`stringData` values as `ENC[...]` strings
 * and a `mac` over every value (unencrypted ones too, as sops'), so a renamed resource fails its MAC. The real module is exercised by agent/sops's own tests and the e2e test.
 */
import { MARKERS, SopsError, type SopsFormat } from "../../sops/sops.ts";
import type { SopsCalls } from "../sops-calls.ts";
import { parseDocuments } from "../../yaml/parse.ts";

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const unb64 = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

/** A file `fake` decrypts to `plain`. */
export function seal(plain: string, format: SopsFormat): string {
  return `${MARKERS[format]}x]\n#fake ${b64(plain)}\n`;
}

const enc = (v: string) => `ENC[AES256_GCM,data:${b64(v)},iv:aXY=,tag:dGFn,type:str]`;
const dec = (v: string) => unb64(/^ENC\[AES256_GCM,data:([^,]*),/.exec(v)![1]!);

/** Every leaf of `v` in document order, as sops hashes them. */
function leaves(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (typeof v === "object" && v !== null) return Object.entries(v).flatMap(([k, x]) => (k === "sops" ? [] : leaves(x)));
  return [String(v)];
}

/** A resource with a sops block that `fake` decrypts to `plain` (sops removed). */
export function sealObject(plain: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const sealed: Record<string, unknown> = { ...plain };
  for (const f of ["data", "stringData"]) {
    const values = plain[f] as Record<string, string> | undefined;
    if (values) sealed[f] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, enc(v)]));
  }
  return { ...sealed, sops: { mac: enc(leaves(plain).join("|")), ...extra } };
}

function openObject(tree: unknown, name: string): unknown {
  const { sops, ...rest } = tree as { sops: Record<string, string> };
  if (sops.tampered) throw new SopsError(name, "Failed to verify the MAC: the file was changed after it was encrypted", { keyGroup: "1" });
  const open = (v: unknown): unknown =>
    typeof v === "string" && v.startsWith("ENC[") ? dec(v) : Array.isArray(v) ? v.map(open) : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, open(x)])) : v;
  const plain = open(rest);
  if (leaves(plain).join("|") !== dec(sops.mac!)) throw new SopsError(name, "MAC mismatch", { keyGroup: "0" });
  return plain;
}

export interface FakeSops extends SopsCalls {
  calls: string[];
}

export function fakeSops(): FakeSops {
  const calls: string[] = [];
  const ext = (p: string): SopsFormat => {
    const m = /\.([^./]+)$/.exec(p)?.[1];
    return m === "yaml" || m === "yml" ? "yaml" : m === "json" ? "json" : m === "env" ? "dotenv" : m === "ini" ? "ini" : "binary";
  };
  return {
    calls,
    sopsFormatForPath: ext,
    isSopsEncrypted: (bytes, format) => new TextDecoder().decode(bytes).includes(MARKERS[format]),
    detectSopsFormat: (bytes) => (["yaml", "json", "dotenv", "ini"] as const).find((f) => new TextDecoder().decode(bytes).includes(MARKERS[f])),
    async decryptSops(bytes, o) {
      calls.push(`${o.name} ${o.format}${o.outputFormat ? `->${o.outputFormat}` : ""}`);
      const text = new TextDecoder().decode(bytes);
      if (text.includes("tampered")) throw new SopsError(o.name, "Failed to verify the MAC: the file was changed after it was encrypted", { keyGroup: "0" });
      const m = /#fake (\S+)/.exec(text);
      if (m) return new TextEncoder().encode(unb64(m[1]!));
      // A sealed resource's document: decrypted as an object, printed as JSON.
      const [doc] = parseDocuments(text, o.name);
      return new TextEncoder().encode(JSON.stringify(await openObject(doc, o.name)));
    },
    async decryptSopsObject(tree, o) {
      calls.push(`${o.name} object`);
      return openObject(tree, o.name);
    },
  };
}
