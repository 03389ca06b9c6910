/**
 * What happens to a Kustomization's objects when the Kustomization itself is deleted
 * (spec.deletionPolicy): `MirrorPrune` (default) deletes them only when spec.prune is true, `Delete`
 * always deletes them, `WaitForTermination` deletes them and waits until they are gone (polling every
 * 2 s up to the timeout), `Orphan` leaves them. A suspended Kustomization or an empty inventory deletes
 * nothing. Deletion goes through prune, so owner labels and `prune: disabled` are honoured.
 */
import type { KubeClient } from "../kube/client.ts";
import type { ObjectKey } from "../kube/types.ts";
import { formatRef } from "../core/ref.ts";
import type { ChangeSet } from "./change-set.ts";
import { entryKey, type Inventory } from "./inventory.ts";
import { prune } from "./prune.ts";

export type DeletionPolicy = "MirrorPrune" | "Delete" | "WaitForTermination" | "Orphan";

export const DEFAULTS = {
  policy: "MirrorPrune" as DeletionPolicy,
  terminationPollMs: 2_000,
  terminationTimeoutMs: 300_000,
};

/** Whether finalizing deletes the inventory's objects. */
export function deletesOnFinalize(policy: DeletionPolicy | undefined, opts: { prune: boolean; suspended?: boolean }): boolean {
  if (opts.suspended) return false;
  switch (policy ?? DEFAULTS.policy) {
    case "MirrorPrune":
      return opts.prune;
    case "Delete":
    case "WaitForTermination":
      return true;
    case "Orphan":
      return false;
  }
}

export interface FinalizeOptions {
  policy?: DeletionPolicy;
  prune: boolean;
  suspended?: boolean;
  owner: { name: string; namespace: string };
  /** Kustomization spec.timeout, for WaitForTermination. */
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Applies the deletion policy to the inventory; the change set lists what was deleted or skipped. */
export async function finalizeInventory(client: KubeClient, inventory: Inventory | undefined, opts: FinalizeOptions): Promise<ChangeSet> {
  if (!inventory?.entries.length || !deletesOnFinalize(opts.policy, opts)) return { entries: [] };
  const keys = inventory.entries.map(entryKey);
  const cs = await prune(client, keys, { owner: opts.owner });
  if ((opts.policy ?? DEFAULTS.policy) === "WaitForTermination") {
    const deleted = cs.entries.filter((e) => e.action === "deleted").map((e) => keys.find((k) => k.kind === e.kind && k.name === e.name && k.namespace === e.namespace)!);
    await waitForTermination(client, deleted, opts);
  }
  return cs;
}

/** Waits until every object is gone; throws `Kind/ns/name termination timeout` naming the first left. */
export async function waitForTermination(
  client: KubeClient,
  keys: readonly ObjectKey[],
  opts: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULTS.terminationTimeoutMs);
  const poll = opts.pollMs ?? DEFAULTS.terminationPollMs;
  for (const key of keys) {
    while (await client.get(key)) {
      if (Date.now() + poll > deadline || opts.signal?.aborted) {
        const ref = formatRef({ kind: key.kind, metadata: { name: key.name, namespace: key.namespace } });
        throw new Error(`${ref} termination timeout: the object still exists after ${Math.round((opts.timeoutMs ?? DEFAULTS.terminationTimeoutMs) / 1000)}s`);
      }
      await new Promise((r) => setTimeout(r, poll));
    }
  }
}
