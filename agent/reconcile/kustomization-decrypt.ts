/**
 * A Kustomization build's decryption, as the two hooks agent/kustomize/flux-build.ts takes, in
 * kustomize-controller's places: the files generators and patches read, before the build
 * (decrypt-sources.ts), and the built resources, before substitution (decrypt-resources.ts); then the
 * check that nothing encrypted is left, which runs with or without spec.decryption. One decryption
 * serves one build: it remembers what it decrypted so that a later build error quoting that plaintext
 * (an env line kustomize cannot parse, say) is withheld instead of reaching status, events or logs.
 */
import type { FluxBuildOptions } from "../kustomize/flux-build.ts";
import type { SopsKeyring } from "../sops/sops.ts";
import { decryptResources, refuseEncrypted } from "./decrypt-resources.ts";
import { encryptedSources, type SourceOf } from "./encrypted-sources.ts";
import { decryptSources } from "./decrypt-sources.ts";
import { SOPS, type SopsCalls } from "./sops-calls.ts";

/** Fragments shorter than this are compared whole; longer ones by every window of this length. */
const WINDOW = 8;

export interface BuildDecryption {
  hooks: Pick<FluxBuildOptions, "prepareTree" | "transformObjects">;
  /** The error to report for a failed build: itself, or a stand-in when it quotes decrypted data. */
  safeError(err: unknown): unknown;
}

/**
 * The hooks for one build. Without a keyring (no spec.decryption) nothing is decrypted, but an encrypted
 * resource is still refused.
 */
export function buildDecryption(keyring: SopsKeyring | undefined, sops: SopsCalls = SOPS): BuildDecryption {
  const secrets: string[] = [];
  let sourceOf: SourceOf = () => undefined;
  const decoder = new TextDecoder();
  const hooks: BuildDecryption["hooks"] = {
    transformObjects: async (objects) => {
      let out = objects;
      if (keyring) {
        out = await decryptResources(objects, keyring, sops, sourceOf);
        for (let i = 0; i < out.length; i++) if (out[i] !== objects[i]) secrets.push(...decryptedValues(objects[i], out[i]));
      }
      refuseEncrypted(out, keyring !== undefined);
      return out;
    },
  };
  if (keyring) {
    hooks.prepareTree = async (t, dir) => {
      sourceOf = encryptedSources(t);
      const r = await decryptSources(t, dir, keyring, sops);
      for (const plain of r.decrypted.values()) secrets.push(...decoder.decode(plain).split("\n").map(valueOfLine));
      return r.tree;
    };
  }
  return {
    hooks,
    safeError(err) {
      if (!secrets.length || !(err instanceof Error) || !quotes(err.message, secrets)) return err;
      return new Error("Cannot build: the error quotes decrypted data and is withheld; build the source locally with `rivulet build --decrypt-key` to see it");
    },
  };
}

/**
 * The values decryption changed in an object (a ciphertext's plaintext, a Secret value's decrypted
 * document, decoded): what an error must not quote. Keys, kinds and names are left out, so an error
 * naming the object is not mistaken for one quoting its data.
 */
function decryptedValues(before: unknown, after: unknown): string[] {
  if (Array.isArray(after)) return after.flatMap((a, i) => decryptedValues(Array.isArray(before) ? before[i] : undefined, a));
  if (typeof after === "object" && after !== null) {
    const b = (typeof before === "object" && before !== null ? before : {}) as Record<string, unknown>;
    return Object.entries(after).flatMap(([k, a]) => decryptedValues(b[k], a));
  }
  if (after === undefined || after === null || before === after) return [];
  const text = String(after);
  return [text, ...maybeDecoded(text).map(valueOfLine)];
}

/** The value part of a `KEY=value` or `key: value` line, the line itself otherwise. */
function valueOfLine(line: string): string {
  const m = /^\s*[\w.-]+\s*(?:=|:\s)(.*)$/.exec(line);
  return m ? m[1]! : line;
}

function maybeDecoded(v: string): string[] {
  if (!/^[A-Za-z0-9+/]+=*$/.test(v) || v.length % 4) return [];
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0))).split("\n");
  } catch {
    return [];
  }
}

/** Whether `message` holds a fragment of the plaintext: a whole short line, or any WINDOW-long run. */
function quotes(message: string, plain: string[]): boolean {
  const windows = new Set<string>();
  for (const p of plain) {
    const s = p.trim();
    if (s.length < 4) continue;
    if (s.length <= WINDOW) {
      if (message.includes(s)) return true;
      continue;
    }
    for (let i = 0; i + WINDOW <= s.length; i++) windows.add(s.slice(i, i + WINDOW));
  }
  for (let i = 0; i + WINDOW <= message.length; i++) if (windows.has(message.slice(i, i + WINDOW))) return true;
  return false;
}
