/**
 * How an apply fails, worded as fluxcd/pkg ssa words it so messages match what Flux users know:
 * `Deployment/apps/web dry-run failed (Invalid): <server message>`, `... apply failed: ...`, and which
 * API errors mean "an immutable field changed" (409, 422, or the wording of CEL and webhook errors).
 */
import { KubeApiError } from "../kube/api-error.ts";
import { messageOf } from "../core/errors.ts";
import type { ChangeSet } from "./change-set.ts";

export type FailurePhase = "dry-run" | "apply" | "cleanup" | "recreate" | "wait";

export interface ApplyFailure {
  ref: string;
  phase: FailurePhase;
  message: string;
}

/** All failures of the stage that failed, and what had been done before it (stages already applied). */
export class ApplyError extends Error {
  readonly failures: ApplyFailure[];
  readonly changeSet: ChangeSet;
  constructor(failures: ApplyFailure[], changeSet: ChangeSet, options?: { cause?: unknown }) {
    super(failures.map((f) => f.message).join("\n"), options);
    this.name = "ApplyError";
    this.failures = failures;
    this.changeSet = changeSet;
  }
}

/** The API server's own message, without the "Cannot apply X: " our client puts in front. */
export function serverMessage(err: unknown): string {
  const msg = messageOf(err);
  if (err instanceof KubeApiError) {
    const m = /^Cannot [a-z]+ [^\s:]+(?: status)?: /.exec(msg);
    if (m) return msg.slice(m[0].length);
  }
  return msg;
}

const IMMUTABLE = [/is\simmutable/, /immutable\sfield/];

export function isImmutableError(err: unknown): boolean {
  if (err instanceof KubeApiError && (err.code === 409 || err.code === 422)) return true;
  const msg = messageOf(err);
  return IMMUTABLE.some((r) => r.test(msg));
}

export function dryRunFailure(ref: string, namespace: string | undefined, err: unknown): string {
  const msg = serverMessage(err);
  if (err instanceof KubeApiError && err.code === 404) {
    return namespace ? `${ref} not found: ${msg}` : `${ref} namespace not specified: ${msg}`;
  }
  const reason = err instanceof KubeApiError && err.reason && err.reason !== "Unknown" ? ` (${err.reason})` : "";
  return `${ref} dry-run failed${reason}: ${msg}`;
}
