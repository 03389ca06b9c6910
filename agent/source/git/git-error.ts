/**
 * The one error type the git source throws: the message says what failed and names the repository URL
 * (credentials stripped), e.g. `Cannot fetch http://host/app.git: authentication failed (HTTP 401)`;
 * `problem` lets the reconciler pick a condition reason without parsing text. All of them are transient
 * (Flux retries every fetch failure at the interval), with Flux's reason GitOperationFailed.
 */
import { TransientError } from "../../core/errors.ts";

export type GitProblem =
  | "unreachable"
  | "timeout"
  | "auth"
  | "not-found"
  | "ref-not-found"
  | "protocol"
  | "corrupt"
  | "unsupported"
  | "sparse-checkout"
  | "verify"
  /** Over one of the artifact limits (core/limits.ts): the message names the limit and its flag. */
  | "limit"
  | "push-race"
  | "push-rejected";

export class GitError extends TransientError {
  readonly problem: GitProblem;
  constructor(problem: GitProblem, message: string, options?: { cause?: unknown }) {
    super("GitOperationFailed", message, options);
    this.problem = problem;
  }
}

/** The URL as it may appear in messages: no user or password. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}

/**
 * A push refused because the remote branch is no longer the commit the push was built on (someone pushed
 * in between): the caller checks out again and redoes its change, never forces.
 */
export class PushRaceError extends GitError {
  readonly ref: string;
  constructor(ref: string, message: string, options?: { cause?: unknown }) {
    super("push-race", message, options);
    this.ref = ref;
  }
}
