/**
 * Writes a whole object back with an update (PUT), guarded by its resourceVersion. The KubeClient port
 * has no patch verb; an update carrying changed managedFields is how the API server lets a client
 * reset field ownership (the same effect as Flux's JSON patch of /metadata/managedFields).
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";

export async function objectPath(client: KubeClient, obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): Promise<string> {
  const info = await client.resource(obj.apiVersion, obj.kind);
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && obj.metadata.namespace ? `/namespaces/${encodeURIComponent(obj.metadata.namespace)}` : "";
  return `${base}${ns}/${info.plural}/${encodeURIComponent(obj.metadata.name ?? "")}`;
}

export async function replaceObject(client: KubeClient, obj: KubeObject, fieldManager: string): Promise<KubeObject> {
  const path = `${await objectPath(client, obj)}?fieldManager=${encodeURIComponent(fieldManager)}`;
  return (await client.raw("PUT", path, obj)) as KubeObject;
}
