/**
 * Takes fields back from other tools before applying, as Flux does: removes the annotations and labels
 * older tools leave behind (kubectl's last-applied-configuration, Flux v1's checksums) and renames the
 * managedFields entries of `kubectl` (apply and edit), `before-first-apply` (kubectl create) and our own
 * Update entries to our Apply manager. The next server-side apply then owns those fields, so a field
 * someone added with `kubectl edit` is removed when it is not in Git. Skipped under `ssa: Merge`.
 *
 * Pure: returns the JSON patch to send, or undefined when nothing needs to change.
 */
import type { KubeObject } from "../kube/types.ts";

export interface ManagerRule {
  /** Matched as a prefix, so `kubectl` also covers `kubectl-client-side-apply` and `kubectl-edit`. */
  prefix: string;
  operation: "Apply" | "Update";
}

export interface CleanupRules {
  annotations: string[];
  labels: string[];
  managers: ManagerRule[];
}

export function defaultCleanupRules(fieldManager: string): CleanupRules {
  return {
    annotations: [
      "kubectl.kubernetes.io/last-applied-configuration",
      "kustomize.toolkit.fluxcd.io/checksum",
      "fluxcd.io/sync-checksum",
    ],
    labels: ["fluxcd.io/sync-gc-mark"],
    managers: [
      { prefix: "kubectl", operation: "Apply" },
      { prefix: "kubectl", operation: "Update" },
      { prefix: "before-first-apply", operation: "Update" },
      { prefix: fieldManager, operation: "Update" },
    ],
  };
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
  [key: string]: unknown;
}

export interface JsonPatchOp {
  op: "remove" | "replace";
  path: string;
  value?: unknown;
}

/** The JSON patch (RFC 6902) that cleans the live object, or undefined when it is already clean. */
export function cleanupPatch(live: KubeObject, fieldManager: string, rules: CleanupRules): JsonPatchOp[] | undefined {
  const ops: JsonPatchOp[] = [];
  for (const [field, keys] of [["annotations", rules.annotations], ["labels", rules.labels]] as const) {
    const map = live.metadata[field] ?? {};
    for (const k of keys) if (k in map) ops.push({ op: "remove", path: `/metadata/${field}/${pointerEscape(k)}` });
  }
  const managed = takeOverManagedFields((live.metadata.managedFields ?? []) as ManagedFieldsEntry[], fieldManager, rules.managers);
  if (managed) ops.push({ op: "replace", path: "/metadata/managedFields", value: managed });
  return ops.length ? ops : undefined;
}

/** JSON pointer escaping: `~` as `~0`, `/` as `~1`. */
function pointerEscape(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * Renames matching entries to `fieldManager`/Apply and merges entries that then share a manager,
 * operation and API version (the API server keeps one set per manager, so two would lose fields).
 * Undefined when no entry matches.
 */
export function takeOverManagedFields(
  entries: ManagedFieldsEntry[],
  fieldManager: string,
  rules: ManagerRule[],
): ManagedFieldsEntry[] | undefined {
  let renamed = false;
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    const match =
      !e.subresource &&
      rules.some((r) => (e.manager ?? "").startsWith(r.prefix) && e.operation === r.operation) &&
      !(e.manager === fieldManager && e.operation === "Apply");
    const entry = match ? { ...e, manager: fieldManager, operation: "Apply" } : e;
    renamed ||= match;
    const twin = out.find(
      (o) => o.manager === entry.manager && o.operation === entry.operation && o.apiVersion === entry.apiVersion && !o.subresource && !entry.subresource,
    );
    // Same identity twice (a renamed entry next to our own Apply entry): keep one, with both field sets.
    if (twin) twin.fieldsV1 = mergeFieldSets(twin.fieldsV1 ?? {}, entry.fieldsV1 ?? {});
    else out.push({ ...entry });
  }
  return renamed ? out : undefined;
}

/** Union of two FieldsV1 trees (`{"f:data": {"f:a": {}}, ".": {}}`). */
export function mergeFieldSets(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = cur && typeof cur === "object" && v && typeof v === "object"
      ? mergeFieldSets(cur as Record<string, unknown>, v as Record<string, unknown>)
      : (cur ?? v);
  }
  return out;
}
