/**
 * A hand-driven clock for code that takes `now`, `setTimer` and `clearTimer` (the work queue, status
 * writes): advance(ms) moves time and runs the timers that fell due, in order of their due time.
 */
export function manualTimers() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let id = 0;
  return {
    opts: {
      now: () => now,
      setTimer: (fn: () => void, ms: number) => {
        timers.push({ at: now + ms, fn, id: ++id });
        return id;
      },
      clearTimer: (h: unknown) => {
        const i = timers.findIndex((t) => t.id === h);
        if (i >= 0) timers.splice(i, 1);
      },
    },
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      }
    },
    pending: () => timers.map((t) => t.at - now),
  };
}
