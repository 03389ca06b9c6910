/**
 * Redirects followed by hand, for clients whose secrets travel in headers fetch does not know to drop:
 * fetch removes only `Authorization` when a redirect changes origin, so a Provider's `PRIVATE-TOKEN`,
 * `DD-API-KEY`, HMAC signature or Secret `headers` would reach whatever host a redirect names. Here a
 * hop to another origin keeps only the headers that describe the content (DEFAULTS.crossOriginHeaders);
 * 301/302 turn a POST into a body-less GET and 303 anything but HEAD into one, as fetch and Go's client
 * do; 307/308 repeat the method and body.
 */
import type { Fetch } from "./fetch.ts";

export const DEFAULTS = {
  maxRedirects: 10,
  /** Header names (lower case) that may go to another origin. */
  crossOriginHeaders: ["accept", "accept-language", "content-type", "user-agent"] as readonly string[],
};

/** Sends `init` to `url`, following redirects so that no credential-bearing header changes origin. */
export async function fetchWithSafeRedirects(fetch: Fetch, url: string, init: RequestInit = {}, maxRedirects = DEFAULTS.maxRedirects): Promise<Response> {
  const origin = new URL(url).origin;
  let target = url;
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;
  let headers = new Headers(init.headers);
  for (let hop = 0; ; hop++) {
    const res = await fetch(target, { ...init, method, body, headers, redirect: "manual" });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || res.status === 304 || !location) return res;
    await res.body?.cancel().catch(() => {});
    if (hop >= maxRedirects) throw new Error(`stopped after ${maxRedirects} redirects`);
    target = new URL(location, target).toString();
    if (res.status === 303 ? method !== "HEAD" : (res.status === 301 || res.status === 302) && method === "POST") {
      method = "GET";
      body = undefined;
      headers.delete("content-type");
    }
    if (new URL(target).origin !== origin) {
      const kept = new Headers();
      for (const [k, v] of headers) if (DEFAULTS.crossOriginHeaders.includes(k)) kept.set(k, v);
      headers = kept;
    }
  }
}
