/**
 * The metrics port of the controllers: the few series they update (reconcile duration, Ready condition,
 * suspension, queue depth). Declared here, on the side that uses it, so reconcile/ does not depend on
 * the HTTP layer; agent/http/metrics.ts provides the Prometheus implementation.
 */

export type MetricLabels = Record<string, string>;

/** A series set by label values; deleteMatching drops every series whose labels include `match`. */
export interface GaugePort {
  set(labels: MetricLabels, value: number): void;
  deleteMatching(match: MetricLabels): void;
}

export interface HistogramPort {
  observe(labels: MetricLabels, value: number): void;
}

export interface ControllerMetrics {
  /** Seconds per reconcile, by kind, name and namespace. */
  reconcileDuration: HistogramPort;
  /** 1 for the Ready status an object has, 0 for the others. */
  condition: GaugePort;
  /** 1 when an object is suspended. */
  suspended: GaugePort;
  /** Objects waiting in each controller's queue, by kind. */
  queueDepth: Pick<GaugePort, "set">;
}
