/**
 * The HTTP client shape sources use (git, OCI, S3): the web-standard fetch signature, so portable code
 * takes it as a parameter and tests can pass the real one. TLS settings that fetch cannot express
 * portably (a custom CA, a client certificate) are bound in by agent/runtime/http-fetch.ts.
 */

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TlsOptions {
  /** PEM CA bundle trusted in addition to (Bun, Deno) the system roots. */
  ca?: string;
  /** PEM client certificate and key for mutual TLS. */
  cert?: string;
  key?: string;
  /** Skip server certificate verification (Flux's `insecure` for HTTPS is plain HTTP; this is for tests only). */
  insecureSkipVerify?: boolean;
}
