/**
 * Go duration strings as Flux's CRDs carry them (`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`, e.g. "1m30s",
 * "0.5h", "250ms") to milliseconds, and milliseconds back to Go's formatting for messages ("5m0s").
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/y;

export function parseDuration(text: string): number {
  if (!text) throw new Error(`Cannot parse duration "": it is empty`);
  let total = 0;
  PART.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const m = PART.exec(text);
    if (!m) throw new Error(`Cannot parse duration "${text}": expected a sequence like 1m30s (units ms, s, m, h)`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  return Math.round(total);
}

/** Formats like Go's time.Duration.String(): "1h2m3s", "5m0s", "1.5s", "250ms", "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${trim(ms)}ms`;
  let rest = ms / 1000;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const s = `${trim(Math.round(rest * 1000) / 1000)}s`;
  if (h) return `${h}h${m}m${s}`;
  if (m) return `${m}m${s}`;
  return s;
}

function trim(n: number): string {
  return String(Number(n.toFixed(3)));
}
