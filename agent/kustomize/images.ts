/**
 * The `images` transformer: rewrites the name, tag and digest of container images. Like kustomize it
 * looks at every `containers` and `initContainers` list anywhere in an object (so CronJobs and custom
 * resources with pod templates are covered), and matches an entry by image name without tag or digest.
 */
import type { ImageEntry } from "./kustomization-file.ts";
import { isObject, type Resource } from "./resource.ts";

export interface ImageRef {
  name: string;
  tag: string;
  digest: string;
}

/** Splits "reg:5000/app:1.2@sha256:..." into name, tag and digest. */
export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest = "";
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = "";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

export function rewriteImage(image: string, entry: ImageEntry): string | undefined {
  const ref = parseImage(image);
  if (ref.name !== entry.name) return undefined;
  const name = entry.newName || ref.name;
  let tag = ref.tag;
  let digest = ref.digest;
  if (entry.newTag) {
    tag = entry.newTag;
    digest = "";
  }
  if (entry.tagSuffix) tag = `${tag}${entry.tagSuffix}`;
  if (entry.digest) {
    digest = entry.digest;
    if (!entry.newTag) tag = "";
  }
  return `${name}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
}

function walk(node: unknown, entries: ImageEntry[]): void {
  if (Array.isArray(node)) {
    for (const el of node) walk(el, entries);
    return;
  }
  if (!isObject(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if ((k === "containers" || k === "initContainers") && Array.isArray(v)) {
      for (const c of v) {
        if (!isObject(c) || typeof c.image !== "string") continue;
        for (const e of entries) {
          const next = rewriteImage(c.image, e);
          if (next !== undefined) {
            c.image = next;
            break;
          }
        }
      }
    }
    if (typeof v === "object" && v !== null) walk(v, entries);
  }
}

export function applyImages(resources: Resource[], entries: ImageEntry[]): void {
  if (entries.length === 0) return;
  for (const r of resources) walk(r.obj, entries);
}
