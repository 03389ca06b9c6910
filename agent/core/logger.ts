/**
 * JSON-lines logging, one object per line in the shape controller-runtime (and so Flux) writes:
 * `{"level":"info","ts":"2026-11-28T02:00:00.000Z","logger":"leader","msg":"...", ...fields}`.
 * The sink is passed in, so nothing here touches stdout directly.
 */

export type Level = "debug" | "info" | "error";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry these fields (e.g. the object being reconciled). */
  with(fields: Record<string, unknown>): Logger;
}

const rank: Record<Level, number> = { debug: 0, info: 1, error: 2 };

export function createLogger(
  write: (line: string) => void,
  opts: { level?: Level; now?: () => Date; fields?: Record<string, unknown> } = {},
): Logger {
  const min = rank[opts.level ?? "info"];
  const now = opts.now ?? (() => new Date());
  const base = opts.fields ?? {};
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (rank[level] < min) return;
    const rec: Record<string, unknown> = { level, ts: now().toISOString(), ...base, msg, ...fields };
    const err = rec.error;
    if (err instanceof Error) rec.error = err.message;
    write(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => createLogger(write, { ...opts, fields: { ...base, ...fields } }),
  };
}
