/**
 * Delivery of notifications, never in a reconcile's way: each Provider has a bounded queue and a few
 * workers; `enqueue` returns at once (false, and a counted drop, when the queue is full), so a dead or
 * slow endpoint costs at most its queue. A delivery gets the Provider's timeout as its deadline, retries
 * inside it (notifier.ts), and its failure goes to `onFailure` with every secret value masked.
 */
import type { Fetch } from "../core/fetch.ts";
import type { FluxEvent } from "./flux-event.ts";
import { httpPort } from "./notifier.ts";
import type { NotifyMetrics } from "./notify-metrics.ts";
import { maskSecrets, type ResolvedProvider } from "./provider-settings.ts";

export const DEFAULTS = {
  /** Notifications waiting per Provider; past this they are dropped and counted. */
  queueSize: 1000,
  /** Deliveries in flight per Provider. */
  workers: 4,
};

export interface Delivery {
  /** "namespace/name" of the Provider: the queue it waits in. */
  providerKey: string;
  provider: ResolvedProvider;
  event: FluxEvent;
  /** The Alert it was matched by, for the failure report. */
  alert: string;
  /** When the event arrived (ms), for the latency metric. */
  receivedAt: number;
}

export interface DispatcherOptions {
  /** A fetch for a Provider's TLS and proxy settings. */
  fetchFor(p: ResolvedProvider): Fetch;
  metrics?: NotifyMetrics;
  onFailure(d: Delivery, message: string): void;
  onSuccess?(d: Delivery): void;
  queueSize?: number;
  workers?: number;
  now?: () => number;
  /** Overrides the retry waits (tests). */
  retry?: { retries?: number; retryWaitMinMs?: number; retryWaitMaxMs?: number };
}

interface Lane {
  queue: Delivery[];
  head: number;
  busy: number;
}

export class Dispatcher {
  readonly #lanes = new Map<string, Lane>();
  readonly #o: DispatcherOptions;
  readonly #idle: Array<() => void> = [];
  #inFlight = 0;
  dropped = 0;

  constructor(o: DispatcherOptions) {
    this.#o = o;
  }

  /** Queues a delivery; false when the Provider's queue is full (the delivery is dropped and counted). */
  enqueue(d: Delivery): boolean {
    let lane = this.#lanes.get(d.providerKey);
    if (!lane) this.#lanes.set(d.providerKey, (lane = { queue: [], head: 0, busy: 0 }));
    const waiting = lane.queue.length - lane.head;
    if (waiting >= (this.#o.queueSize ?? DEFAULTS.queueSize)) {
      this.dropped++;
      this.#o.metrics?.deliveries.inc({ provider: d.providerKey, type: d.provider.settings.type, result: "dropped" });
      return false;
    }
    lane.queue.push(d);
    this.#inFlight++;
    this.#depth(d.providerKey, lane);
    this.#pump(d.providerKey, lane);
    return true;
  }

  /** Notifications queued or being delivered. */
  get pending(): number {
    return this.#inFlight;
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((res) => this.#idle.push(res));
  }

  #depth(key: string, lane: Lane): void {
    this.#o.metrics?.queueDepth.set({ provider: key }, lane.queue.length - lane.head);
  }

  #pump(key: string, lane: Lane): void {
    const workers = this.#o.workers ?? DEFAULTS.workers;
    while (lane.busy < workers && lane.head < lane.queue.length) {
      const d = lane.queue[lane.head]!;
      lane.queue[lane.head++] = undefined as unknown as Delivery;
      // Compact once the consumed prefix dominates, so a long-lived lane does not grow.
      if (lane.head > 1024 && lane.head * 2 > lane.queue.length) {
        lane.queue = lane.queue.slice(lane.head);
        lane.head = 0;
      }
      lane.busy++;
      this.#depth(key, lane);
      void this.#deliver(d).finally(() => {
        lane.busy--;
        this.#inFlight--;
        if (this.#inFlight === 0) for (const r of this.#idle.splice(0)) r();
        this.#pump(key, lane);
      });
    }
  }

  async #deliver(d: Delivery): Promise<void> {
    const now = this.#o.now ?? Date.now;
    const labels = { provider: d.providerKey, type: d.provider.settings.type };
    const signal = AbortSignal.timeout(d.provider.timeoutMs);
    try {
      const http = httpPort({ fetch: this.#o.fetchFor(d.provider), signal, ...this.#o.retry });
      await d.provider.notifier.post(d.event, http);
      this.#o.metrics?.deliveries.inc({ ...labels, result: "success" });
      this.#o.metrics?.deliveryLatency.observe({ type: d.provider.settings.type }, (now() - d.receivedAt) / 1000);
      this.#o.onSuccess?.(d);
    } catch (err) {
      this.#o.metrics?.deliveries.inc({ ...labels, result: "failure" });
      const msg = err instanceof Error ? err.message : String(err);
      this.#o.onFailure(d, maskSecrets(msg, d.provider.secretValues));
    }
  }
}
