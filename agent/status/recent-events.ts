/**
 * The agent's last events, kept in memory for the status page: a bounded list, newest first, where an
 * event repeating one already listed (same object, type, reason and message) moves it to the top and
 * counts it, as Kubernetes folds repeated Events. Only made when the page is on, so an agent without
 * the page keeps nothing. Events sent to the Alerts only (Flux's per-reconcile "Reconciliation finished
 * in 1.2s") are left out: they would push the others off the list.
 */
import type { KubeObject } from "../kube/types.ts";
import type { EventInput, EventRecorder } from "./events.ts";

export const DEFAULTS = {
  capacity: 100,
};

export interface RecentEvent {
  /** RFC 3339, when it last happened. */
  time: string;
  type: "Normal" | "Warning";
  reason: string;
  /** `Kind/name` in the agent's namespace. */
  object: string;
  message: string;
  count: number;
}

export class RecentEvents {
  readonly #list: RecentEvent[] = [];
  readonly #capacity: number;
  readonly #now: () => Date;

  constructor(o: { capacity?: number; now?: () => Date } = {}) {
    this.#capacity = o.capacity ?? DEFAULTS.capacity;
    this.#now = o.now ?? (() => new Date());
  }

  add(obj: KubeObject, e: EventInput): void {
    if (e.notifyOnly) return;
    const object = `${obj.kind}/${obj.metadata.name ?? ""}`;
    const i = this.#list.findIndex((r) => r.object === object && r.type === e.type && r.reason === e.reason && r.message === e.message);
    const count = i >= 0 ? this.#list.splice(i, 1)[0]!.count + 1 : 1;
    this.#list.unshift({ time: this.#now().toISOString(), type: e.type, reason: e.reason, object, message: e.message, count });
    if (this.#list.length > this.#capacity) this.#list.length = this.#capacity;
  }

  /** Newest first; a copy. */
  list(): RecentEvent[] {
    return this.#list.map((r) => ({ ...r }));
  }
}

/** A recorder that also keeps each event in `recent`, then records it as `recorder` does. */
export function keepingRecent(recorder: EventRecorder, recent: RecentEvents): EventRecorder {
  return {
    record(obj, e) {
      recent.add(obj, e);
      return recorder.record(obj, e);
    },
  };
}
