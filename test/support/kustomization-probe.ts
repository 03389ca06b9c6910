/**
 * Reading a Kustomization the way the integration tests wait on it, as the admin: the object, a wait
 * until a check holds, and a reconcile request (`reconcile.fluxcd.io/requestedAt`) for it or its
 * GitRepository.
 */
import { eventually } from "./cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";

/** `admin` and `namespace` are read on each call, so a probe can be made before beforeAll sets them. */
export function kustomizationProbe(at: () => { admin: KubeClient; namespace: string }) {
  const get = async (name: string) => {
    const { admin, namespace } = at();
    return (await admin.get({ apiVersion: KS, kind: "Kustomization", namespace, name })) as FluxObject | undefined;
  };

  async function when(name: string, what: string, check: (o: FluxObject) => boolean, timeoutMs = 60_000): Promise<FluxObject> {
    return eventually(`Kustomization/${at().namespace}/${name} ${what}`, async () => {
      const o = await get(name);
      return o && check(o) ? o : undefined;
    }, timeoutMs);
  }

  async function request(kind: "GitRepository" | "Kustomization", name: string): Promise<void> {
    const { admin, namespace } = at();
    await admin.patch(
      { apiVersion: kind === "Kustomization" ? KS : SRC, kind, namespace, name },
      { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": `${Date.now()}-${Math.random()}` } } },
      "merge",
    );
  }

  return { get, when, request };
}
