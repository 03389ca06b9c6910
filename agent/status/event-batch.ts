/**
 * One reconcile's Kubernetes Events as one write per object, type and reason. A Kustomization's first
 * apply says "created ..." and then "Health check passed": two Event writes for the one thing a user
 * reads in `kubectl events`, so they are batched into one Event whose message holds both, in order, one
 * per line (as a change set already is). The Flux events (the agent's Alerts, `--events-addr`) still go
 * out one by one and at once: a Provider sees exactly what Flux's would. Only the Kubernetes Events wait:
 * for flush(), which the controller calls when the reconcile ends, or at most `holdMs`, so an Event about
 * created objects still shows within seconds while a long health check runs.
 */
import type { KubeObject } from "../kube/types.ts";
import type { EventInput, EventRecorder } from "./events.ts";

export const DEFAULTS = {
  /** Longest a Kubernetes Event is held back before it is written anyway. */
  holdMs: 5_000,
};

export interface EventBatch extends EventRecorder {
  /** Writes the Kubernetes Events held back, one per object, type and reason; never throws. */
  flush(): Promise<void>;
}

interface Held {
  obj: KubeObject;
  type: EventInput["type"];
  reason: string;
  messages: string[];
  metadata: Record<string, string>;
}

export function batchEvents(inner: EventRecorder, opts: { holdMs?: number } = {}): EventBatch {
  const held = new Map<string, Held>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const all = [...held.values()];
    held.clear();
    // trace: to Kubernetes only, the notifications went out when each event was recorded.
    await Promise.all(
      all.map((h) =>
        inner.record(h.obj, { type: h.type, reason: h.reason, message: h.messages.join("\n"), ...(Object.keys(h.metadata).length ? { metadata: h.metadata } : {}), trace: true }),
      ),
    );
  };
  return {
    async record(obj, e) {
      // Kubernetes-only events (trace) and notification-only ones have nothing to split.
      if (e.notifyOnly || e.trace) return inner.record(obj, e);
      const key = `${obj.metadata.uid ?? `${obj.kind}/${obj.metadata.namespace}/${obj.metadata.name}`}/${e.type}/${e.reason}`;
      const h = held.get(key) ?? { obj, type: e.type, reason: e.reason, messages: [], metadata: {} };
      h.messages.push(e.message);
      Object.assign(h.metadata, e.metadata);
      held.set(key, h);
      timer ??= setTimeout(() => void flush(), opts.holdMs ?? DEFAULTS.holdMs);
      await inner.record(obj, { ...e, notifyOnly: true });
    },
    flush,
  };
}
