/**
 * Why a request through `Fetch` failed, in words a condition message can carry, the same for every
 * network client (git, OCI, S3, Helm repositories, notification Providers): a deadline reads as
 * "timed out after 60s" (not "The operation was aborted"), an untrusted or mismatched TLS certificate
 * says so and where a CA goes (Bun and Node give an OpenSSL code, Deno a rustls text), anything else is
 * the runtime's own message. Credentials never reach these texts: they come from the runtime's error,
 * which names at most the URL the caller already shows.
 */

/** OpenSSL verification codes (Bun, Node) that mean the peer's certificate was not accepted. */
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function chain(err: unknown): Array<{ code?: unknown; message?: unknown }> {
  const out: Array<{ code?: unknown; message?: unknown }> = [];
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) out.push(e as { code?: unknown; message?: unknown });
  return out;
}

/** The TLS problem behind `err` (the runtime's words), or undefined when it is not one. */
export function tlsFailure(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (typeof e.code === "string" && TLS_CODES.has(e.code)) return String(e.message ?? e.code);
    const m = typeof e.message === "string" ? /invalid peer certificate: (.*)$/.exec(e.message) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** Whether the request was ended by `signal` running out (AbortSignal.timeout), rather than cancelled. */
export function timedOut(signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted && (signal.reason as { name?: string } | undefined)?.name === "TimeoutError");
}

/**
 * The reason a request or a body read failed: "timed out after 2s", "cancelled", "the server's TLS
 * certificate is not trusted (self signed certificate): ...", or the runtime's message.
 */
export function describeFetchFailure(err: unknown, signal?: AbortSignal, timeoutMs?: number): string {
  if (signal?.aborted) return timedOut(signal) ? `timed out${timeoutMs ? ` after ${timeoutMs / 1000}s` : ""}` : "cancelled";
  const tls = tlsFailure(err);
  if (tls) return `the server's TLS certificate is not trusted (${tls}): give the CA that signed it as ca.crt in the Secret the spec names`;
  const messages = chain(err).map((e) => String(e.message ?? "")).filter(Boolean);
  return messages.join(": ") || String(err);
}
