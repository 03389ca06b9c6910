/**
 * What the status page shows, as data: the namespace's Flux objects summarized (sources first, then the
 * appliers, then image automation, each kind by name), each Kustomization with its inventory tree, and
 * the last events. Built from the controllers' caches and the kept events, so looking costs no API
 * request. A snapshot has no clock in it: two equal snapshots mean nothing changed.
 */
import type { KubeObject } from "../kube/types.ts";
import { inventoryTree, type TreeNode } from "./inventory-tree.ts";
import { summarize, type ObjectSummary } from "./object-summary.ts";
import type { RecentEvent } from "./recent-events.ts";

/** The kinds the page lists, in its order; other kinds (Receiver, Alert, Provider) are left out. */
export const PAGE_KINDS = [
  "GitRepository",
  "OCIRepository",
  "Bucket",
  "HelmRepository",
  "HelmChart",
  "Kustomization",
  "HelmRelease",
  "ImageRepository",
  "ImagePolicy",
  "ImageUpdateAutomation",
] as const;

export interface ObjectRow extends ObjectSummary {
  /** Kustomizations only: status.inventory as a tree, nested Kustomizations expanded. */
  inventory?: TreeNode[];
}

export interface StatusSnapshot {
  namespace: string;
  objects: ObjectRow[];
  events: RecentEvent[];
}

export function statusSnapshot(namespace: string, objects: Iterable<KubeObject>, events: readonly RecentEvent[]): StatusSnapshot {
  const order = (kind: string) => (PAGE_KINDS as readonly string[]).indexOf(kind);
  const listed = [...objects].filter((o) => order(o.kind) >= 0 && o.metadata.namespace === namespace);
  listed.sort((a, b) => order(a.kind) - order(b.kind) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  const kustomizations = new Map(listed.filter((o) => o.kind === "Kustomization").map((o) => [o.metadata.name ?? "", o]));
  return {
    namespace,
    objects: listed.map((o) => (o.kind === "Kustomization" ? { ...summarize(o), inventory: inventoryTree(o, (n) => kustomizations.get(n)) } : summarize(o))),
    events: [...events],
  };
}
