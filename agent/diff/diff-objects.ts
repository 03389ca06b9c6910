/**
 * What `rivulet diff` prints for one object: a unified diff of the live object and the object as the next
 * reconcile would leave it (a server-side dry-run result), both as YAML without managedFields,
 * server-owned metadata and status, Secret values masked (as `flux diff` does) unless asked otherwise.
 * An object that does not exist yet is diffed against nothing.
 */
import type { KubeObject } from "../kube/types.ts";
import { formatRef } from "../core/ref.ts";
import { emitYaml } from "../yaml/emit.ts";
import { normalizeObject } from "./canonical.ts";
import { unifiedDiff } from "./unified-diff.ts";

export interface DiffOptions {
  /** Mask Secret data (default true). */
  maskSecrets?: boolean;
}

const MASK = "***";

function maskSecretPair(live: Record<string, unknown> | undefined, merged: Record<string, unknown> | undefined) {
  const mask = (o: Record<string, unknown> | undefined, other: Record<string, unknown> | undefined, tag: string) => {
    if (!o) return o;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = other && other[k] === o[k] ? MASK : `${MASK} (${tag})`;
    return out;
  };
  return [mask(live, merged, "before"), mask(merged, live, "after")] as const;
}

function clean(o: KubeObject | undefined): Record<string, unknown> | undefined {
  return o ? (normalizeObject(o) as Record<string, unknown>) : undefined;
}

/** The unified diff of live -> merged, or "" when nothing would change. */
export function diffObjects(merged: KubeObject, live: KubeObject | undefined, opts: DiffOptions = {}): string {
  const after = clean(merged)!;
  const before = clean(live);
  if (merged.kind === "Secret" && (opts.maskSecrets ?? true)) {
    for (const field of ["data", "stringData"]) {
      const [b, a] = maskSecretPair(before?.[field] as Record<string, unknown> | undefined, after[field] as Record<string, unknown> | undefined);
      if (before && b) before[field] = b;
      if (a) after[field] = a;
    }
  }
  const ref = formatRef(merged);
  return unifiedDiff(before ? emitYaml(before) : "", emitYaml(after), live ? `live ${ref}` : "/dev/null", `merged ${ref}`);
}
