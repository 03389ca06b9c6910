/**
 * A small Prometheus registry (counters, gauges, histograms with labels) rendered in the text
 * exposition format 0.0.4. Portable: no process access; runtime values (RSS) come in as collectors.
 * agentMetrics() implements the controllers' port (reconcile/controller-metrics.ts).
 */
import type { ControllerMetrics } from "../reconcile/controller-metrics.ts";
import type { NotifyMetrics } from "../notify/notify-metrics.ts";

type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

const fmt = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN");

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(key(labels)) ?? 0;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.#values) out.push(`${this.name}${k ? `{${k}}` : ""} ${fmt(v)}`);
    return out;
  }
}

export class Gauge implements Metric {
  #values = new Map<string, number>();
  #collect?: () => void;
  constructor(readonly name: string, readonly help: string, collect?: (g: Gauge) => void) {
    if (collect) this.#collect = () => collect(this);
  }
  set(labels: Labels, value: number): void {
    this.#values.set(key(labels), value);
  }
  delete(labels: Labels): void {
    this.#values.delete(key(labels));
  }
  /** Removes every series whose labels include all of `match`. */
  deleteMatching(match: Labels): void {
    const parts = key(match).split(",").filter(Boolean);
    for (const k of [...this.#values.keys()]) if (parts.every((p) => k.split(",").includes(p))) this.#values.delete(k);
  }
  get(labels: Labels = {}): number | undefined {
    return this.#values.get(key(labels));
  }
  render(): string[] {
    this.#collect?.();
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.#values) out.push(`${this.name}${k ? `{${k}}` : ""} ${fmt(v)}`);
    return out;
  }
}

export class Histogram implements Metric {
  #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.#series.get(k);
    if (!s) this.#series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s!.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.#series.get(key(labels))?.count ?? 0;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.#series) {
      const sep = k ? "," : "";
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${k}${sep}le="${fmt(b)}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ""} ${fmt(s.sum)}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  #metrics: Metric[] = [];
  register<T extends Metric>(m: T): T {
    this.#metrics.push(m);
    return m;
  }
  render(): string {
    return this.#metrics.flatMap((m) => m.render()).join("\n") + "\n";
  }
}

/** The agent's metrics, with Flux's names where Flux has one. */
export function agentMetrics(opts: { rss?: () => number } = {}) {
  const registry = new Registry();
  const metrics = {
    registry,
    reconcileDuration: registry.register(
      new Histogram("gotk_reconcile_duration_seconds", "The duration in seconds of a reconcile, by kind, name and namespace.", [
        0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
      ]),
    ),
    condition: registry.register(
      new Gauge("gotk_reconcile_condition", "The current condition status of a rivulet object (1 for the status the object has, 0 otherwise)."),
    ),
    suspended: registry.register(new Gauge("gotk_suspend_status", "Whether a rivulet object is suspended (1) or not (0).")),
    queueDepth: registry.register(new Gauge("rivulet_queue_depth", "Objects waiting in the reconcile queue, by kind.")),
    apiRequests: registry.register(new Counter("rivulet_kube_requests_total", "Requests sent to the Kubernetes API, by verb.")),
    apiRequestsByResource: registry.register(
      new Counter("rivulet_kube_resource_requests_total", "Requests sent to the Kubernetes API, by verb and resource (plural, with its subresource)."),
    ),
    fetchBytes: registry.register(new Counter("rivulet_artifact_fetch_bytes_total", "Bytes of artifacts fetched from sources, by kind.")),
    fetchDuration: registry.register(
      new Histogram("rivulet_artifact_fetch_duration_seconds", "Time to fetch a source and produce its artifact, by kind.", [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
    ),
    notifyEvents: registry.register(new Counter("rivulet_notification_events_total", "Flux events handled by the notification pipeline, by result (dispatched, duplicate, unmatched).")),
    notifyDeliveries: registry.register(
      new Counter("rivulet_notification_deliveries_total", "Notifications sent to Providers, by provider, type and result (success, failure, dropped)."),
    ),
    notifyLatency: registry.register(
      new Histogram("rivulet_notification_delivery_duration_seconds", "Time from an event to its delivery, by provider type.", [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30]),
    ),
    notifyQueueDepth: registry.register(new Gauge("rivulet_notification_queue_depth", "Notifications waiting in a Provider's queue, by provider.")),
    rss: registry.register(
      new Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", (g) => {
        if (opts.rss) g.set({}, opts.rss());
      }),
    ),
  };
  // Checked here, not at the controllers: the port stays the controllers' own, this file adapts to it.
  return metrics satisfies ControllerMetrics;
}

/** The notification pipeline's port over the agent's registry. */
export function notifyMetricsOf(m: AgentMetrics): NotifyMetrics {
  return { events: m.notifyEvents, deliveries: m.notifyDeliveries, deliveryLatency: m.notifyLatency, queueDepth: m.notifyQueueDepth };
}

export type AgentMetrics = ReturnType<typeof agentMetrics>;
