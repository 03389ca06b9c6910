/** Periodic work that never keeps the process alive on its own (housekeeping: memory trim, cache sweeps). */

/** Runs `tick` every `ms` on an unref'd interval; returns how to stop it. */
export function everyUnref(tick: () => void, ms: number): () => void {
  const timer = setInterval(tick, ms);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
