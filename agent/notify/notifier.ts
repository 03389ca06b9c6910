/**
 * The contract of a provider type (Flux's `notifier.Interface`): from a Provider's resolved settings, a
 * notifier that sends one event through an HTTP port. The port does what go-retryablehttp does for Flux's
 * notifiers: it retries connection errors, 429 and 5xx (not 501) with exponential back-off, at most
 * `retries` times and never past the delivery's deadline, and fails any other non-2xx answer with the
 * status and the body, as Flux's `postMessage` reports it.
 *
 * A provider type's file builds the exact request Flux's notifier sends (internal/notifier/<type>.go);
 * it does no I/O of its own, so its payload is tested byte for byte against a loopback server.
 */
import { readBounded } from "../core/bounded-read.ts";
import type { Fetch } from "../core/fetch.ts";
import { base64Encode } from "../core/bytes.ts";
import { describeFetchFailure } from "../core/fetch-failure.ts";
import { fetchWithSafeRedirects } from "../core/redirects.ts";
import type { FluxEvent } from "./flux-event.ts";

export const DEFAULTS = {
  /** go-retryablehttp as Flux configures it: RetryMax 4, RetryWaitMin 2s, RetryWaitMax 30s. */
  retries: 4,
  retryWaitMinMs: 2_000,
  retryWaitMaxMs: 30_000,
  /** A response body quoted in an error is cut here. */
  maxErrorBody: 1024,
  /** Bytes of an answer read at most (commit status lists are a few kB); the rest is never downloaded. */
  maxAnswerBytes: 1024 * 1024,
};

/** What a notifier is built from: the Provider's spec and its Secret's keys, already resolved. */
export interface ProviderSettings {
  type: string;
  /** spec.address, or the Secret's `address`. */
  address: string;
  token?: string;
  username?: string;
  password?: string;
  /** The Secret's `headers` (a YAML map), sent by the generic types. */
  headers?: Record<string, string>;
  channel?: string;
  /** metadata.uid of the Provider (opsgenie alias, commit status ids). */
  providerUid?: string;
  /** The commit status id (commit-status types only). */
  commitStatus?: string;
}

export interface OutgoingRequest {
  method?: "POST" | "PUT" | "GET";
  url: string;
  headers: Record<string, string>;
  /** The exact body bytes sent (a string is sent as UTF-8). */
  body?: string;
  /** Non-2xx statuses answered as they are instead of failing (e.g. 404 for "no status yet"). */
  okStatuses?: readonly number[];
}

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpPort {
  /** Sends with retries; resolves with a 2xx answer, rejects with Flux's wording otherwise. */
  send(req: OutgoingRequest): Promise<HttpAnswer>;
}

export interface Notifier {
  post(event: FluxEvent, http: HttpPort): Promise<void>;
}

/** Builds a notifier, or throws the configuration error Flux's constructor gives (invalid URL, missing token). */
export type NotifierFactory = (s: ProviderSettings) => Notifier;

export const JSON_HEADERS = { "Content-Type": "application/json" } as const;

/** url.ParseRequestURI's acceptance, which the notifiers' constructors use: an absolute URL. */
export function requireUrl(address: string, what: string): URL {
  try {
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(address) && !address.startsWith("/")) throw new Error("not absolute");
    return new URL(address);
  } catch {
    throw new Error(`invalid ${what} URL ${address}`);
  }
}

/** `<lower(kind)>/<name>.<namespace>`, the object name most chat payloads show. */
export function objectTitle(event: FluxEvent): string {
  const io = event.involvedObject;
  return `${(io.kind ?? "").toLowerCase()}/${io.name ?? ""}.${io.namespace ?? ""}`;
}

/** Metadata entries in key order (Go ranges over the map in random order; a fixed one is one of those). */
export function metadataEntries(event: FluxEvent): Array<[string, string]> {
  return Object.entries(event.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${base64Encode(new TextEncoder().encode(`${username}:${password}`))}`;
}

function retryable(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

export interface HttpPortOptions {
  fetch: Fetch;
  signal: AbortSignal;
  retries?: number;
  retryWaitMinMs?: number;
  retryWaitMaxMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called once per retried attempt (for metrics). */
  onRetry?: () => void;
}

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((res, rej) => {
    if (signal.aborted) return rej(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      res();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      rej(signal.reason);
    };
    signal.addEventListener("abort", stop, { once: true });
  });

export function httpPort(o: HttpPortOptions): HttpPort {
  const retries = o.retries ?? DEFAULTS.retries;
  const min = o.retryWaitMinMs ?? DEFAULTS.retryWaitMinMs;
  const max = o.retryWaitMaxMs ?? DEFAULTS.retryWaitMaxMs;
  const sleep = o.sleep ?? abortableSleep;
  return {
    async send(req) {
      let last = "";
      for (let attempt = 0; ; attempt++) {
        let status = 0;
        let text = "";
        try {
          // Tokens travel in headers fetch does not drop on a redirect (PRIVATE-TOKEN, DD-API-KEY, the
          // Secret's headers), so redirects are followed by hand and lose them when the host changes.
          const res = await fetchWithSafeRedirects(o.fetch, req.url, { method: req.method ?? "POST", headers: req.headers, body: req.body, signal: o.signal });
          status = res.status;
          text = await readAnswer(res, DEFAULTS.maxAnswerBytes);
          if ((status >= 200 && status < 300) || req.okStatuses?.includes(status)) return { status, text };
          last = `request failed with status code ${status}: ${text.slice(0, DEFAULTS.maxErrorBody)}`;
          if (!retryable(status)) throw new Error(`request failed: ${last}`, { cause: "final" });
        } catch (err) {
          if (err instanceof Error && err.cause === "final") throw err;
          if (o.signal.aborted) throw new Error(`failed to execute request: ${last || "deadline exceeded"}`);
          if (!status) last = `${req.method ?? "POST"} ${redact(req.url)}: ${describeFetchFailure(err)}`;
        }
        if (attempt >= retries) throw new Error(`giving up after ${attempt + 1} attempt(s): ${last}`);
        o.onRetry?.();
        try {
          await sleep(Math.min(max, min * 2 ** attempt), o.signal);
        } catch {
          throw new Error(`giving up after ${attempt + 1} attempt(s), deadline exceeded: ${last}`);
        }
      }
    },
  };
}

/** The answer's text; an answer over `max` bytes is an error, read no further than that. */
async function readAnswer(res: Response, max: number): Promise<string> {
  // No declared length here: an answer is judged by what arrives.
  const body = await readBounded(res.body, null, max);
  if (body === "too large") throw new Error(`request failed: the answer (HTTP ${res.status}) is larger than ${max} bytes`, { cause: "final" });
  return new TextDecoder().decode(body);
}

/** A URL without its query and user info: tokens travel there (telegram's bot path aside, see its file). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "<invalid URL>";
  }
}
