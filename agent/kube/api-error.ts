/**
 * An error answered by the Kubernetes API, carrying its HTTP code and Status reason. Its message is the
 * server's own (for Forbidden it already names user, verb, resource and namespace), prefixed by what we
 * were doing, so a person can act on it.
 */

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubeApiError";
    this.code = code;
    this.reason = reason;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404;
}

export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 410;
}

export function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 403;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409;
}

/** The apiserver's Status body ({kind: "Status", message, reason, code}) or plain text, as an error. */
export function errorFromResponse(status: number, body: string, doing: string): KubeApiError {
  let reason = "Unknown";
  let message = body.trim().slice(0, 500) || `HTTP ${status}`;
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string; reason?: string };
    if (s.kind === "Status") {
      message = s.message ?? message;
      reason = s.reason ?? reason;
    }
  } catch {
    // Not JSON: keep the text.
  }
  if (status === 401) message = `Unauthorized: the credentials were rejected (expired or wrong token?)`;
  return new KubeApiError(status, reason, `${doing}: ${message}`);
}
