/**
 * Reads test/fixtures/: data made by other tools (cosign, sigstore-js, Flux, AWS's documentation), each
 * folder with a SOURCE.md naming where it came from. Paths are relative to test/fixtures.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");

export function fixtureBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(root, path)));
}

export function fixtureText(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

export function fixtureJson<T = Record<string, any>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** One case of flux-bucket-revision/cases.json: objects, ignore rules, index and revision as Flux pins them. */
export interface FluxBucketCase {
  name: string;
  /** Object key -> content. */
  objects: Record<string, string>;
  /** `spec.ignore`, when the case sets it. */
  ignore?: string;
  /** Key -> etag, as Flux indexes the objects. */
  index: Record<string, string>;
  revision: string;
}

export const fluxBucketCases = () => fixtureJson<FluxBucketCase[]>("flux-bucket-revision/cases.json");
