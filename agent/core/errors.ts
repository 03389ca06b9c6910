/**
 * The three ways a reconcile can fail, classified once at the end of a reconcile (STYLE.md habit 7):
 * - TerminalError: retrying cannot help until the spec or the source changes (Stalled, no retry).
 * - TransientError: the world may fix itself (network, conflicts, 5xx): retry with backoff.
 * - NotReadyError: nothing is wrong yet, something is still converging: requeue after an interval.
 * Any other thrown value counts as transient.
 */

export type ErrorClass = "terminal" | "transient" | "not-ready";

/** Carries a Flux condition reason (e.g. "BuildFailed") alongside the message a person reads. */
export class RivuletError extends Error {
  readonly reason: string;
  readonly kind: ErrorClass;
  constructor(kind: ErrorClass, reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.reason = reason;
    this.name = new.target.name;
  }
}

export class TerminalError extends RivuletError {
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super("terminal", reason, message, options);
  }
}

export class TransientError extends RivuletError {
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super("transient", reason, message, options);
  }
}

export class NotReadyError extends RivuletError {
  /** When to look again; default: the object's retryInterval. */
  readonly retryAfterMs?: number;
  /** Logged and written to status but no event: a wait Flux only logs (a HelmRelease's chart not ready yet). */
  readonly quiet: boolean;
  constructor(reason: string, message: string, options?: { cause?: unknown; retryAfterMs?: number; quiet?: boolean }) {
    super("not-ready", reason, message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.quiet = options?.quiet ?? false;
  }
}

export function classify(err: unknown): ErrorClass {
  return err instanceof RivuletError ? err.kind : "transient";
}

/** The message of anything thrown, without a stack: what goes into conditions, events and CLI errors. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
