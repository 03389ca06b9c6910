/**
 * The Ready condition of a HelmRelease, summarised from its release conditions as helm-controller's
 * summarize() does (internal/reconcile/release.go, read, not copied): Ready mirrors the first of
 * Remediated, TestSuccess (only when tests are on and their failures count) and Released, ordered by that
 * priority among conditions of the newest generations, with the exact stable insertion sort Go applies
 * (its comparison is not a strict order, so another sort could pick another condition). A remediation
 * is never a ready state. TestSuccess is dropped when tests are off, and Stalled once Ready is True.
 */
import type { HelmRelease } from "../api/helm-release.ts";
import { removeCondition, setCondition, type Condition } from "../status/conditions.ts";

export const RELEASE_CONDITIONS = { Released: "Released", TestSuccess: "TestSuccess", Remediated: "Remediated" } as const;

/** The conditions with Ready summarised for `generation`; the input list is not changed. */
export function summarize(conditions: readonly Condition[], test: HelmRelease["spec"]["test"], generation: number, now: Date): Condition[] {
  const counted = test?.enable && !test.ignoreFailures
    ? [RELEASE_CONDITIONS.Remediated, RELEASE_CONDITIONS.TestSuccess, RELEASE_CONDITIONS.Released]
    : [RELEASE_CONDITIONS.Remediated, RELEASE_CONDITIONS.Released];
  let list = test?.enable ? [...conditions] : removeCondition(conditions, RELEASE_CONDITIONS.TestSuccess);
  if (list.length === 0) return list;
  const pos = (c: Condition) => counted.findIndex((t) => t.toLowerCase() === c.type.toLowerCase());
  const less = (a: Condition, b: Condition) => {
    const i = pos(a);
    if (i < 0) return false;
    const j = pos(b);
    if (j < 0) return true;
    return (a.observedGeneration ?? 0) >= (b.observedGeneration ?? 0) && i < j;
  };
  // Go's sort.SliceStable on short slices: insertion sort, swapping while less(list[j], list[j-1]).
  for (let i = 1; i < list.length; i++) {
    for (let j = i; j > 0 && less(list[j]!, list[j - 1]!); j--) [list[j - 1], list[j]] = [list[j]!, list[j - 1]!];
  }
  const first = list[0]!;
  const status = first.type === RELEASE_CONDITIONS.Remediated ? "False" : first.status;
  if (status === "True") list = removeCondition(list, "Stalled");
  return setCondition(list, { type: "Ready", status, reason: first.reason, message: first.message, observedGeneration: generation }, now);
}
