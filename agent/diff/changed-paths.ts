/**
 * Which fields differ between two objects, as JSON pointers: what a `warn`-mode drift report names.
 * Objects are normalized first (canonical.ts), so server-owned metadata and status are not reported.
 * Lists are compared item by item by index; a list whose length changed is reported at the list.
 */
import { normalizeObject } from "./canonical.ts";
import { deepEqual } from "./fields-v1.ts";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const esc = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

export function changedPaths(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  walk(normalizeObject(before), normalizeObject(after), "", out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], `${path}/${esc(k)}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => walk(x, b[i], `${path}/${i}`, out));
    return;
  }
  out.push(path || "/");
}

export interface DriftReport {
  condition: { type: "Drifted"; status: "True"; reason: "DriftDetected"; message: string };
  event: { severity: "warning"; reason: "DriftDetected"; message: string };
}

export const DEFAULTS = { maxPathsPerObject: 10, maxObjects: 20 };

/**
 * The condition and event of `warn` mode. `drifted` maps an object ref (formatRef) to its changed paths;
 * long lists are cut (DEFAULTS) so the message stays readable in `kubectl describe`.
 */
export function driftReport(drifted: Map<string, string[]>): DriftReport | undefined {
  if (drifted.size === 0) return undefined;
  const parts: string[] = [];
  for (const [ref, paths] of [...drifted].slice(0, DEFAULTS.maxObjects)) {
    const shown = paths.slice(0, DEFAULTS.maxPathsPerObject).join(", ");
    const more = paths.length > DEFAULTS.maxPathsPerObject ? ` and ${paths.length - DEFAULTS.maxPathsPerObject} more` : "";
    parts.push(`${ref} (${shown}${more})`);
  }
  if (drifted.size > DEFAULTS.maxObjects) parts.push(`and ${drifted.size - DEFAULTS.maxObjects} more objects`);
  const message = `Drift detected in ${drifted.size} object${drifted.size === 1 ? "" : "s"}: ${parts.join("; ")}`;
  return {
    condition: { type: "Drifted", status: "True", reason: "DriftDetected", message },
    event: { severity: "warning", reason: "DriftDetected", message },
  };
}
