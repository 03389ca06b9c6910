/**
 * The metrics port of the notification pipeline, declared on the side that uses it (as
 * reconcile/controller-metrics.ts is); agent/http/metrics.ts provides the Prometheus series.
 */
export type NotifyLabels = Record<string, string>;

export interface NotifyMetrics {
  /** Events handled, by outcome: dispatched, duplicate (rate limited), unmatched. */
  events: { inc(labels: NotifyLabels, by?: number): void };
  /** Deliveries by provider and result: success, failure, dropped (queue full). */
  deliveries: { inc(labels: NotifyLabels, by?: number): void };
  /** Seconds from an event's arrival to its delivery, by provider type. */
  deliveryLatency: { observe(labels: NotifyLabels, value: number): void };
  /** Notifications waiting in each Provider's queue. */
  queueDepth: { set(labels: NotifyLabels, value: number): void };
}
