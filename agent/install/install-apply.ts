/**
 * Writing and removing an install: server-side apply of installObjects' output in order, and deletion of
 * exactly the objects that carry the install labels, of the kinds install makes, in the namespace.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { INSTALL_SELECTOR } from "./install-objects.ts";

export const FIELD_MANAGER = "rivulet-install";

/** Applies the objects in order and returns `Kind/ns/name` of each. */
export async function applyInstall(client: KubeClient, objects: KubeObject[]): Promise<string[]> {
  const done: string[] = [];
  for (const o of objects) {
    const ref = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    try {
      await client.apply(o, { fieldManager: FIELD_MANAGER, force: true });
    } catch (err) {
      throw new Error(`${ref} apply failed: ${(err as Error).message}`, { cause: err });
    }
    done.push(ref);
  }
  return done;
}

/**
 * Deletes the labelled objects of `kinds` in the namespace, in reverse install order (the Deployment
 * before the RBAC it runs with) and returns `Kind/ns/name` of each deleted.
 */
export async function uninstall(client: KubeClient, namespace: string, kinds: Array<{ apiVersion: string; kind: string }>): Promise<string[]> {
  const deleted: string[] = [];
  for (const k of [...kinds].reverse()) {
    const list = await client.list({ ...k, namespace }, { labelSelector: INSTALL_SELECTOR });
    for (const o of list.items) {
      const name = o.metadata.name ?? "";
      if (await client.delete({ ...k, namespace, name }, { propagationPolicy: "Background" })) {
        deleted.push(`${k.kind}/${namespace}/${name}`);
      }
    }
  }
  return deleted;
}
