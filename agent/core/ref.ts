/**
 * One way to name a Kubernetes object everywhere (STYLE.md habit 6): `Kind/namespace/name`, or
 * `Kind/name` for cluster-scoped objects. Every error, event and log line about an object starts with it.
 */

export interface ObjectRef {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export function formatRef(obj: ObjectRef): string {
  const kind = obj.kind ?? "Object";
  const name = obj.metadata?.name ?? "<unnamed>";
  const ns = obj.metadata?.namespace;
  return ns ? `${kind}/${ns}/${name}` : `${kind}/${name}`;
}

/** `group/version` split into its parts; the core group is "". */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
