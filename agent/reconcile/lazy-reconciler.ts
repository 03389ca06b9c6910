/**
 * A kind's reconciler whose module is loaded when the first object of the kind needs it: an idle
 * tenant agent with only a GitRepository and a Kustomization then never holds the Helm, image, OCI,
 * Bucket or Receiver code (bench/idle-memory.md). The controller sees the kind and its controller name
 * at once (it watches the kind from the start); `start` is remembered and run on the real reconciler
 * right after it loads, before its first reconcile or finalize; once it is loaded, a later `start` reaches it at once
 * (each leadership term starts the controllers again). A failed load is a failed reconcile
 * (backed off and retried, as any transient failure); the next call loads again.
 */
import type { Reconciler } from "./reconciler.ts";

type StartArgs = Parameters<NonNullable<Reconciler["start"]>>[0];

export interface LazyKind {
  apiVersion: string;
  kind: string;
  controllerName: string;
}

export function lazyReconciler(id: LazyKind, load: () => Promise<Reconciler>): Reconciler {
  let startArgs: StartArgs | undefined;
  let loading: Promise<Reconciler> | undefined;
  let loaded: Reconciler | undefined;
  const real = () =>
    (loading ??= load()
      .then(async (r) => {
        if (r.apiVersion !== id.apiVersion || r.kind !== id.kind || r.controllerName !== id.controllerName) {
          throw new Error(`it reconciles ${r.apiVersion} ${r.kind} (${r.controllerName}), not ${id.apiVersion} ${id.kind} (${id.controllerName})`);
        }
        if (startArgs) await r.start?.(startArgs);
        loaded = r;
        return r;
      })
      .catch((err: unknown) => {
        loading = undefined;
        throw new Error(`Cannot load the ${id.kind} reconciler: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }));
  return {
    ...id,
    async start(o) {
      startArgs = o;
      // A new leadership term starts the controllers again: a loaded reconciler starts with its signal.
      await loaded?.start?.(o);
    },
    async reconcile(obj, ctx) {
      return (await real()).reconcile(obj, ctx);
    },
    onFailure(obj, err, ctx) {
      // Only a loaded reconciler has failed a reconcile of its own; a failed load adds nothing.
      return loaded?.onFailure?.(obj, err, ctx);
    },
    async finalize(obj, ctx) {
      await (await real()).finalize?.(obj, ctx);
    },
  };
}
