/**
 * Kubernetes' two timestamp formats. `metav1.Time` (conditions, artifacts, events, history) is RFC 3339
 * to the second; `metav1.MicroTime` (Lease renewals, events.k8s.io eventTime) carries microseconds.
 * JavaScript dates hold milliseconds, so the micro form pads them with three zeros.
 */

/** `2026-12-06T03:11:42Z`: metav1.Time, which drops fractions (the API server would truncate them). */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `2026-12-06T03:11:42.123000Z`: metav1.MicroTime. */
export function formatMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
