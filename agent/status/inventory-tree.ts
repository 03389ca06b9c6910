/**
 * A Kustomization's inventory as a tree, as `rivulet tree` prints it: each entry of status.inventory, and
 * under a Kustomization of the same namespace its own inventory, read from the agent's cache (no
 * requests). Each Kustomization is expanded once, so a cycle ends instead of looping; an id that does
 * not parse is shown as it is.
 */
import type { KubeObject } from "../kube/types.ts";
import { parseObjMetadataId } from "../apply/inventory.ts";

export interface TreeNode {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
  ref: string;
  children?: TreeNode[];
}

const KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io";

export function inventoryTree(root: KubeObject, lookup: (name: string) => KubeObject | undefined, seen = new Set([root.metadata.name ?? ""])): TreeNode[] {
  const entries = ((root.status as { inventory?: { entries?: Array<{ id: string }> } } | undefined)?.inventory?.entries ?? []);
  return entries.map((e) => {
    let m: ReturnType<typeof parseObjMetadataId>;
    try {
      m = parseObjMetadataId(e.id);
    } catch {
      return { ref: e.id };
    }
    const node: TreeNode = { ref: `${m.kind}/${m.namespace ? `${m.namespace}/` : ""}${m.name}` };
    if (m.kind === "Kustomization" && m.group === KUSTOMIZE_GROUP && m.namespace === root.metadata.namespace && !seen.has(m.name)) {
      seen.add(m.name);
      const child = lookup(m.name);
      if (child) node.children = inventoryTree(child, lookup, seen);
    }
    return node;
  });
}
