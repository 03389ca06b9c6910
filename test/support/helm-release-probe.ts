/**
 * Reading a HelmRelease the way the integration tests wait on it, as the admin: its conditions, a wait
 * until the reconcile of its current generation has written Ready and a check holds (saying where it
 * stood when it did not), and the events recorded for it.
 */
import { eventually } from "./cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const HELM = "helm.toolkit.fluxcd.io/v2";

export const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
export const isReady = (o: FluxObject) => cond(o, "Ready")?.status === "True";

/** `admin` and `namespace` are read on each call, so a probe can be made before beforeAll sets them. */
export function helmReleaseProbe(at: () => { admin: KubeClient; namespace: string }) {
  const get = async (name: string) => {
    const { admin, namespace } = at();
    return (await admin.get({ apiVersion: HELM, kind: "HelmRelease", namespace, name })) as FluxObject | undefined;
  };

  /** Waits until the HelmRelease's Ready condition was written for its generation and `check` holds. */
  async function when(name: string, what: string, check: (o: FluxObject) => boolean, timeoutMs = 60_000): Promise<FluxObject> {
    let last: FluxObject | undefined;
    try {
      return await eventually(`HelmRelease ${name}: ${what}`, async () => {
        const o = (last = await get(name));
        // A failed reconcile leaves observedGeneration alone (as Flux); its Ready condition names the generation.
        return o && cond(o, "Ready")?.observedGeneration === o.metadata.generation && check(o) ? o : undefined;
      }, timeoutMs);
    } catch (err) {
      // Say where it stood: the conditions tell which stage it stopped at.
      throw new Error(`${(err as Error).message}; last conditions: ${JSON.stringify(last?.status?.conditions ?? [])}`);
    }
  }

  async function events(name: string): Promise<Array<{ reason: string; message: string; type: string; annotations?: Record<string, string> }>> {
    const { admin, namespace } = at();
    const list = await admin.list({ apiVersion: "v1", kind: "Event", namespace });
    return list.items
      .filter((e) => (e.involvedObject as { kind?: string; name?: string }).kind === "HelmRelease" && (e.involvedObject as { name?: string }).name === name)
      .map((e) => ({ reason: e.reason as string, message: e.message as string, type: e.type as string, annotations: e.metadata.annotations }));
  }

  return { get, when, events };
}
