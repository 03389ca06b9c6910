/**
 * status.history of a HelmRelease as helm-controller keeps it (api/v2 snapshot_types.go, read, not
 * copied): snapshots newest first, the latest one, the previous successful one a rollback goes back to,
 * and the truncation that keeps history back to that previous release. Functions return new lists; the
 * status is never changed in place.
 */
import type { HelmReleaseSnapshot } from "../api/helm-release.ts";

/** helm-controller's default maxHistory, also the cap on status.history. */
export const MAX_HISTORY = 5;

export type Snapshots = readonly HelmReleaseSnapshot[];

/** Newest version first. */
export function sortByVersion(history: Snapshots): HelmReleaseSnapshot[] {
  return [...history].sort((a, b) => b.version - a.version);
}

export function latest(history: Snapshots): HelmReleaseSnapshot | undefined {
  return sortByVersion(history)[0];
}

const successful = (s: HelmReleaseSnapshot, ignoreTests: boolean) =>
  (s.status === "deployed" || s.status === "superseded") && (ignoreTests || !hasTestInPhase(s, "Failed"));

/** The newest snapshot before the latest that was deployed (or superseded) and, unless ignored, passed its tests. */
export function previous(history: Snapshots, ignoreTests: boolean): HelmReleaseSnapshot | undefined {
  return sortByVersion(history).slice(1).find((s) => successful(s, ignoreTests));
}

/** Keeps history down to the previous successful release; without one, the newest MAX_HISTORY. */
export function truncate(history: Snapshots, ignoreTests: boolean): HelmReleaseSnapshot[] {
  const sorted = sortByVersion(history);
  if (sorted.length < 2) return sorted;
  const i = sorted.slice(1).findIndex((s) => successful(s, ignoreTests));
  if (i >= 0) return sorted.slice(0, i + 2);
  return sorted.slice(0, MAX_HISTORY);
}

/** The newest MAX_HISTORY snapshots, wherever the previous successful one is (RetryOnFailure). */
export function truncateIgnoringPrevious(history: Snapshots): HelmReleaseSnapshot[] {
  return sortByVersion(history).slice(0, MAX_HISTORY);
}

export function hasTestInPhase(s: HelmReleaseSnapshot | undefined, phase: string): boolean {
  return Object.values(s?.testHooks ?? {}).some((h) => h?.phase === phase);
}

/**
 * Whether the tests of the snapshot ran: testHooks recorded (an empty map counts, a chart may have none),
 * and every hook either finished successfully or one of them failed.
 */
export function hasBeenTested(s: HelmReleaseSnapshot | undefined): boolean {
  if (!s?.testHooks) return false;
  const hooks = Object.values(s.testHooks);
  if (hooks.length === 0) return true;
  if (hooks.some((h) => h?.phase === "Failed")) return true;
  return hooks.every((h) => h?.phase === "Succeeded");
}

/** `<namespace>/<name>.v<version>`, how helm-controller names a release in messages. */
export function fullReleaseName(s: HelmReleaseSnapshot): string {
  return `${s.namespace}/${s.name}.v${s.version}`;
}

/** `<chart>@<version>`. */
export function versionedChartName(s: HelmReleaseSnapshot): string {
  return `${s.chartName}@${s.chartVersion}`;
}
