/**
 * One ImageRepository scan as image-reflector-controller does it: list the tags over the OCI distribution
 * API, drop those an `exclusionList` Go regexp matches, sort the rest descending in Go's byte order and
 * report the count, the ten first (`latestTags`) and the revision. The revision is Flux's FluxStorage
 * one: `sha256:` of the kept tags one per line, in that order; the same lines are what the store keeps
 * (tagsFile) for policies to read. Pages are filtered as they arrive, so only the kept tags are held, and
 * DEFAULTS.maxTags bounds them. Limits: the generic provider only (no cloud auto-login).
 */
import { digestOf } from "../artifact/digest.ts";
import { goRegexp } from "../core/go-regexp.ts";
import type { RegistryClient } from "../source/oci/registry-client.ts";
import type { ScanResult } from "../api/image-repository.ts";
import { compareGoStrings } from "./policy.ts";

export const DEFAULTS = {
  /** Kept tags beyond this fail the scan instead of growing memory (the registry client also caps pages). */
  maxTags: 100_000,
  /** How many tags `latestTags` shows, as Flux. */
  latestTagsCount: 10,
};

export interface TagScan {
  /** The kept tags, sorted descending. */
  tags: string[];
  result: Required<Pick<ScanResult, "tagCount" | "revision">> & Pick<ScanResult, "latestTags">;
}

/** Compiles the exclusion list; an invalid pattern is Flux's `failed to compile regex` error. */
export function exclusionMatcher(patterns: readonly string[]): (tag: string) => boolean {
  const compiled = patterns.map((pattern) => {
    const re = goRegexp(pattern);
    if (re instanceof Error) throw new Error(`failed to compile regex ${pattern}: ${re.message}`, { cause: re });
    return re;
  });
  return (tag) => compiled.some((re) => re.test(tag));
}

export async function scanTags(
  client: Pick<RegistryClient, "tagPages">,
  exclusionList: readonly string[],
  limits: { maxTags?: number } = {},
): Promise<TagScan> {
  const excluded = exclusionMatcher(exclusionList);
  const max = limits.maxTags ?? DEFAULTS.maxTags;
  const tags: string[] = [];
  for await (const page of client.tagPages()) {
    for (const tag of page) if (!excluded(tag)) tags.push(tag);
    if (tags.length > max) throw new Error(`the repository has more than ${max} tags after the exclusion list`);
  }
  tags.sort((a, b) => compareGoStrings(b, a));
  const latestTags = tags.slice(0, DEFAULTS.latestTagsCount);
  return {
    tags,
    result: { tagCount: tags.length, revision: await tagsRevision(tags), ...(latestTags.length > 0 ? { latestTags } : {}) },
  };
}

/** The tag file's bytes: one tag per line, each ending in a newline. */
export function tagsFile(tags: readonly string[]): Uint8Array {
  return new TextEncoder().encode(tags.map((t) => `${t}\n`).join(""));
}

/** Reads a tag file back; blank lines are not tags. */
export function parseTagsFile(bytes: Uint8Array): string[] {
  return new TextDecoder().decode(bytes).split("\n").filter((t) => t !== "");
}

function tagsRevision(tags: readonly string[]): Promise<string> {
  return digestOf(tagsFile(tags));
}
