/**
 * status.history of a Kustomization (Flux 2.7): one entry per distinct rendered-stream digest, newest
 * first, with first/last reconcile times, the last duration and status, and a count; at most 5 entries.
 */
import { formatDuration } from "../core/duration.ts";
import { formatTime } from "../core/time.ts";

export const DEFAULTS = {
  historyLimit: 5,
};

export interface HistoryEntry {
  digest: string;
  firstReconciled: string;
  lastReconciled: string;
  lastReconciledDuration: string;
  lastReconciledStatus: string;
  totalReconciliations: number;
  metadata?: Record<string, string>;
}

export function upsertHistory(history: HistoryEntry[] | undefined, digest: string, revision: string, now: Date, elapsedMs: number, status: string): HistoryEntry[] {
  const ts = formatTime(now);
  const list = [...(history ?? [])];
  const i = list.findIndex((h) => h.digest === digest);
  const prev = i >= 0 ? list.splice(i, 1)[0] : undefined;
  const entry: HistoryEntry = {
    digest,
    firstReconciled: prev?.firstReconciled ?? ts,
    lastReconciled: ts,
    lastReconciledDuration: formatDuration(Math.round(elapsedMs)),
    lastReconciledStatus: status,
    totalReconciliations: (prev?.totalReconciliations ?? 0) + 1,
    metadata: { revision },
  };
  return [entry, ...list].slice(0, DEFAULTS.historyLimit);
}
