/**
 * Duplicate suppression as notification-controller's event server does it (event_server.go
 * `eventKeyFunc` with go-limiter's memory store, one token per key and interval): the key is the SHA-256
 * of `event/name=…/namespace=…/kind=…/message=…`, then `/originRevision=…`, `/revision=…` and `/token=…`
 * from the `<group>/` metadata when present; an event whose key was let through less than an interval ago
 * is dropped (the event server answers 429). Applied once per event, before any Alert is matched.
 *
 * Bounded: keys older than the interval are swept, and past `maxKeys` the oldest go first.
 */
import { objectGroup, type FluxEvent } from "./flux-event.ts";
import { sha256Hex } from "./digest.ts";

export const DEFAULTS = {
  /** notification-controller's --rate-limit-interval default. */
  intervalMs: 5 * 60_000,
  maxKeys: 100_000,
};

/** The key text before hashing (eventKeyFunc's components joined by "/"). */
export function eventKeyText(event: FluxEvent): string {
  const io = event.involvedObject;
  const parts = ["event", `name=${io.name ?? ""}`, `namespace=${io.namespace ?? ""}`, `kind=${io.kind ?? ""}`, `message=${event.message}`];
  const group = objectGroup(event);
  const meta = event.metadata ?? {};
  for (const k of ["originRevision", "revision", "token"]) {
    const v = meta[`${group}/${k}`];
    if (v !== undefined) parts.push(`${k}=${v}`);
  }
  return parts.join("/");
}

/** Hex SHA-256 of the key text, as go-limiter stores it. */
export function eventKey(event: FluxEvent): Promise<string> {
  return sha256Hex(eventKeyText(event));
}

export class EventRateLimiter {
  readonly #seen = new Map<string, number>();
  readonly #intervalMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(o: { intervalMs?: number; maxKeys?: number; now?: () => number } = {}) {
    this.#intervalMs = o.intervalMs ?? DEFAULTS.intervalMs;
    this.#maxKeys = o.maxKeys ?? DEFAULTS.maxKeys;
    this.#now = o.now ?? Date.now;
  }

  /** True when the event may go on; false for a duplicate within the interval. An interval of 0 lets all through. */
  async allow(event: FluxEvent): Promise<boolean> {
    if (this.#intervalMs <= 0) return true;
    const key = await eventKey(event);
    const now = this.#now();
    const at = this.#seen.get(key);
    if (at !== undefined && now - at < this.#intervalMs) return false;
    this.#seen.delete(key);
    this.#seen.set(key, now);
    this.#sweep(now);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #sweep(now: number): void {
    // Insertion order is time order: the oldest keys are first.
    for (const [k, at] of this.#seen) {
      if (this.#seen.size <= this.#maxKeys && now - at < this.#intervalMs) break;
      this.#seen.delete(k);
    }
  }
}
