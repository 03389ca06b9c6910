/**
 * The metadata rules of notification-controller (internal/server/event_server.go `cleanupMetadata`,
 * event_handlers.go `excludeInternalMetadata` and `combineEventMetadata`, RFC 0008):
 * - a received event keeps only keys under `event.toolkit.fluxcd.io/` or the involved object's group,
 *   without `<group>/checksum` and `<group>/digest`;
 * - `<group>/token` is internal (it only feeds the rate-limit key) and is removed before matching;
 * - what a provider sees is, lowest precedence first: the `event.toolkit.fluxcd.io/` keys with the prefix
 *   trimmed, the Alert's spec.eventMetadata, its spec.summary as `summary`, the `<group>/` keys trimmed.
 *   A key set by more than one source is a conflict, reported once as a MetadataAppendFailed warning.
 */
import { EVENT_GROUP, objectGroup, type FluxEvent } from "./flux-event.ts";

/** The metadata a received event keeps (event_server.go cleanupMetadata). */
export function cleanupMetadata(event: FluxEvent): FluxEvent {
  const group = `${objectGroup(event)}/`;
  const excluded = [`${group}checksum`, `${group}digest`];
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.metadata ?? {})) {
    if (excluded.some((x) => x.toLowerCase() === k.toLowerCase())) continue;
    if (k.startsWith(`${EVENT_GROUP}/`) || k.startsWith(group)) metadata[k] = v;
  }
  return { ...event, metadata };
}

/** Without the `<group>/token` key (excludeInternalMetadata). */
export function withoutInternalMetadata(event: FluxEvent): FluxEvent {
  const token = `${objectGroup(event)}/token`;
  if (!event.metadata || !(token in event.metadata)) return event;
  const { [token]: _, ...rest } = event.metadata;
  return { ...event, metadata: rest };
}

export interface MetadataConflict {
  key: string;
  sources: string[];
}

const SOURCES = {
  eventGroup: "involved object annotations",
  alertMetadata: "Alert object .spec.eventMetadata",
  alertSummary: "Alert object .spec.summary",
  objectGroup: "involved object controller metadata",
} as const;

export const CONFLICT_MESSAGE = "metadata key conflicts detected (please refer to the Alert API docs and Flux RFC 0008 for more information)";

/** The event a provider is given for one Alert, and the key conflicts found on the way. */
export function combineMetadata(event: FluxEvent, alert: { eventMetadata?: Record<string, string>; summary?: string }): { event: FluxEvent; conflicts: MetadataConflict[] } {
  const metadata: Record<string, string> = {};
  const sources = new Map<string, string[]>();
  const put = (k: string, v: string, source: string) => {
    metadata[k] = v;
    sources.set(k, [...(sources.get(k) ?? []), source]);
  };
  const eventPrefix = `${EVENT_GROUP}/`;
  const groupPrefix = `${objectGroup(event)}/`;
  for (const [k, v] of Object.entries(event.metadata ?? {})) if (k.startsWith(eventPrefix)) put(k.slice(eventPrefix.length), v, SOURCES.eventGroup);
  for (const [k, v] of Object.entries(alert.eventMetadata ?? {})) put(k, v, SOURCES.alertMetadata);
  if (alert.summary) put("summary", alert.summary, SOURCES.alertSummary);
  for (const [k, v] of Object.entries(event.metadata ?? {})) if (k.startsWith(groupPrefix)) put(k.slice(groupPrefix.length), v, SOURCES.objectGroup);
  const conflicts = [...sources]
    .filter(([, s]) => s.length > 1)
    .map(([key, s]) => ({ key, sources: s }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Go keeps the event's own metadata when nothing was composed (`if len(metadata) > 0`).
  return { event: Object.keys(metadata).length ? { ...event, metadata } : event, conflicts };
}
