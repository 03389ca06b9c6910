/**
 * Adding and removing the agent's finalizer without ever overwriting someone else's entries. The object
 * comes from a watch-fed cache and may be a little behind, so both writes carry a precondition (the
 * resourceVersion for the add, a JSON-patch test of the entry for the removal) and, when it fails, read
 * the object once and try again.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";
import { isConflict, isNotFound, KubeApiError } from "../kube/api-error.ts";

const keyOf = (o: KubeObject): ObjectKey => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name! });

/** Adds `finalizer`; returns the object as the server has it afterwards. */
export async function addFinalizer<T extends KubeObject>(client: KubeClient, obj: T, finalizer: string): Promise<T> {
  const key = keyOf(obj);
  const patch = (o: KubeObject) =>
    client.patch(key, { metadata: { resourceVersion: o.metadata.resourceVersion, finalizers: [...(o.metadata.finalizers ?? []), finalizer] } }, "merge");
  try {
    return (await patch(obj)) as T;
  } catch (err) {
    if (!isConflict(err)) throw err;
    const fresh = await client.get(key);
    if (!fresh) throw err;
    return (fresh.metadata.finalizers?.includes(finalizer) ? fresh : await patch(fresh)) as T;
  }
}

/** Removes `finalizer` if present; an object already gone is fine. */
export async function removeFinalizer(client: KubeClient, obj: KubeObject, finalizer: string): Promise<void> {
  const key = keyOf(obj);
  const remove = async (o: KubeObject) => {
    const i = (o.metadata.finalizers ?? []).indexOf(finalizer);
    if (i < 0) return;
    await client.patch(key, [{ op: "test", path: `/metadata/finalizers/${i}`, value: finalizer }, { op: "remove", path: `/metadata/finalizers/${i}` }], "json");
  };
  try {
    await remove(obj);
  } catch (err) {
    if (isNotFound(err)) return;
    // A failed test op (the list changed since our copy) is answered 422 Invalid.
    if (!(err instanceof KubeApiError && err.code === 422)) throw err;
    const fresh = await client.get(key);
    if (fresh) await remove(fresh).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }
}
