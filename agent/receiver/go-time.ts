/**
 * Go's time.Time.String() layout, which Flux writes into reconcile.fluxcd.io/requestedAt
 * (`metav1.Now().String()`): `2026-12-06 08:30:00.123 +0000 UTC`. Go also appends the monotonic clock
 * reading (` m=+1.5`), which only a Go process can give; it is left out. Any new value triggers a
 * reconcile, so only uniqueness matters to the controllers that read it.
 */
export function goTimeString(d: Date): string {
  const iso = d.toISOString(); // 2026-12-06T08:30:00.123Z
  const fraction = iso.slice(20, 23).replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ""} +0000 UTC`;
}
