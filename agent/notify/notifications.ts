/**
 * The notification pipeline for one namespace, in notification-controller's order: the event's metadata
 * cleaned (event_server.go), duplicates dropped by the rate limiter, the internal token removed, the
 * Alerts matched (alert-match.ts), and per Alert: its Provider (missing → a warning; suspended → skipped;
 * the commit-status routing rules), the metadata composed (event-metadata.ts), the delivery queued on the
 * Provider's lane (dispatcher.ts). `submit` never waits for a delivery.
 *
 * Warnings about an Alert (bad expressions, cross-namespace sources, failed deliveries) are Kubernetes
 * Events on it, as Flux records them; the same warning is recorded once per `warningWindowMs`, so a dead
 * endpoint under a burst costs one Event, not one per notification.
 */
import type { Alert } from "../api/alert.ts";
import { COMMIT_STATUS_PROVIDERS } from "../api/provider.ts";
import { matchAlerts } from "./alert-match.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { cleanupMetadata, combineMetadata, CONFLICT_MESSAGE, withoutInternalMetadata } from "./event-metadata.ts";
import { EVENT_GROUP, objectGroup, type FluxEvent } from "./flux-event.ts";
import type { NotifyMetrics } from "./notify-metrics.ts";
import type { ResolvedProvider } from "./provider-settings.ts";
import type { EventRateLimiter } from "./rate-limit.ts";

export const DEFAULTS = {
  warningWindowMs: 10 * 60_000,
  maxWarnings: 4096,
};

/** What the pipeline knows of a Provider: resolved and ready, or why not. */
export type ProviderState =
  | { ready: true; suspended: boolean; resolved: ResolvedProvider }
  | { ready: false; suspended: boolean; message: string };

export interface NotificationPorts {
  namespace: string;
  alerts(): readonly Alert[];
  /** The Provider of the namespace by name; undefined when there is none. */
  provider(name: string): Promise<ProviderState | undefined>;
  labelsOf(event: FluxEvent): Promise<Record<string, string> | undefined>;
  /** Records a Warning event on the Alert. */
  warn(alert: Alert, reason: string, message: string): void;
  dispatcher: Dispatcher;
  limiter: EventRateLimiter;
  metrics?: NotifyMetrics;
  now?: () => number;
}

export type SubmitResult = "duplicate" | "unmatched" | "dispatched";

const GENERIC = ["generic", "generic-hmac"];

export class Notifications {
  readonly #p: NotificationPorts;
  readonly #warned = new Map<string, number>();

  constructor(p: NotificationPorts) {
    this.#p = p;
  }

  async submit(received: FluxEvent): Promise<SubmitResult> {
    const p = this.#p;
    const now = p.now ?? Date.now;
    const receivedAt = now();
    const cleaned = cleanupMetadata(received);
    if (!(await p.limiter.allow(cleaned))) {
      p.metrics?.events.inc({ result: "duplicate" });
      return "duplicate";
    }
    const event = withoutInternalMetadata(cleaned);
    const { alerts, warnings } = await matchAlerts(event, p.alerts(), { namespace: p.namespace, labelsOf: p.labelsOf });
    for (const w of warnings) this.#warn(w.alert, w.reason, w.message);
    let dispatched = false;
    for (const alert of alerts) {
      const providerName = alert.spec.providerRef.name;
      const state = await p.provider(providerName);
      if (!state) {
        this.#warn(alert, "NotificationDispatchFailed", `failed to dispatch notification for ${describe(event)}: failed to read provider: Provider/${p.namespace}/${providerName} not found`);
        continue;
      }
      if (state.suspended) continue;
      if (!state.ready) {
        this.#warn(alert, "NotificationDispatchFailed", `failed to dispatch notification for ${describe(event)}: Provider/${p.namespace}/${providerName} is not ready: ${state.message}`);
        continue;
      }
      const type = state.resolved.settings.type;
      const commitStatusType = COMMIT_STATUS_PROVIDERS.includes(type);
      const meta = event.metadata ?? {};
      const group = objectGroup(event);
      const commitStatusUpdate = meta[`${group}/commit_status`] === "update";
      if (!commitStatusType && !GENERIC.includes(type) && commitStatusUpdate) continue;
      // Commit-status types take commit status updates, events naming a commit (`event.toolkit.fluxcd.io/commit`,
      // fluxcd/pkg's MetaCommitKey) and failures; other info events (change sets, progress) are not theirs.
      if (commitStatusType && !meta[`${EVENT_GROUP}/commit`] && !commitStatusUpdate && event.severity !== "error") continue;
      const combined = combineMetadata(event, alert.spec);
      if (combined.conflicts.length) this.#warn(alert, "MetadataAppendFailed", CONFLICT_MESSAGE);
      const queued = p.dispatcher.enqueue({ providerKey: `${p.namespace}/${providerName}`, provider: state.resolved, event: combined.event, alert: alert.metadata.name ?? "", receivedAt });
      if (!queued) this.#warn(alert, "NotificationDispatchFailed", `failed to send notification for ${describe(event)}: the queue of Provider/${p.namespace}/${providerName} is full, notification dropped`);
      dispatched ||= queued;
    }
    p.metrics?.events.inc({ result: alerts.length ? "dispatched" : "unmatched" });
    return dispatched || alerts.length ? "dispatched" : "unmatched";
  }

  /** A failed delivery, reported on the Alert (the dispatcher's onFailure). */
  deliveryFailed(alert: Alert | undefined, event: FluxEvent, message: string): void {
    if (alert) this.#warn(alert, "NotificationDispatchFailed", `failed to send notification for ${describe(event)}: ${message}`);
  }

  #warn(alert: Alert, reason: string, message: string): void {
    const now = (this.#p.now ?? Date.now)();
    const key = `${alert.metadata.uid ?? alert.metadata.name}/${reason}/${message}`;
    const at = this.#warned.get(key);
    if (at !== undefined && now - at < DEFAULTS.warningWindowMs) return;
    this.#warned.delete(key);
    this.#warned.set(key, now);
    if (this.#warned.size > DEFAULTS.maxWarnings) this.#warned.delete(this.#warned.keys().next().value!);
    this.#p.warn(alert, reason, message);
  }
}

/** `Kind/namespace/name` of the involved object (involvedObjectString). */
export function describe(event: FluxEvent): string {
  const io = event.involvedObject;
  return `${io.kind ?? ""}/${io.namespace ?? ""}/${io.name ?? ""}`;
}
