/**
 * Client-side API rate limiting with client-go's QPS and burst semantics (its token-bucket limiter over
 * golang.org/x/time/rate): a bucket of `burst` tokens, full at the start, refilled at `qps` tokens a
 * second; each request start takes one, and a request that finds none waits until its token is due,
 * in the order the requests asked. Watches are not limited (client-go leaves them out: a watch is one
 * long request, and delaying it delays every event after it); their list requests are.
 *
 * A host running several tenants puts one limiter around each tenant's transport, so one tenant's burst
 * of requests spends its own budget, not the others'. Flux's controllers default to --kube-api-qps 50
 * and --kube-api-burst 300, and turn client throttling off when the API server has priority and fairness
 * (flow control) on; a single-tenant agent therefore has none unless asked.
 */
import type { KubeRequest, Transport } from "./transport.ts";

export const DEFAULTS = {
  /** Flux's --kube-api-qps default. */
  qps: 50,
  /** Flux's --kube-api-burst default. */
  burst: 300,
};

export interface TokenBucketOptions {
  qps: number;
  burst: number;
  /** Clock and sleep, injectable for tests. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #tokens: number;
  #last: number;

  constructor(o: TokenBucketOptions) {
    if (!(Number.isFinite(o.qps) && o.qps > 0)) throw new Error(`Cannot create the API rate limiter: qps must be a number above 0, not ${o.qps}`);
    if (!Number.isInteger(o.burst) || o.burst < 1) throw new Error(`Cannot create the API rate limiter: burst must be a whole number of at least 1, not ${o.burst}`);
    this.qps = o.qps;
    this.burst = o.burst;
    this.#now = o.now ?? Date.now;
    this.#sleep = o.sleep ?? sleep;
    this.#tokens = o.burst;
    this.#last = this.#now();
  }

  /**
   * Takes a token now, or reserves the next one and waits for it (ms waited is returned). An abort while
   * waiting gives the token back and rejects with the signal's reason.
   */
  async wait(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const delay = this.#reserve();
    if (delay <= 0) return 0;
    try {
      await this.#sleep(delay, signal);
      signal?.throwIfAborted();
    } catch (err) {
      this.#tokens = Math.min(this.burst, this.#tokens + 1);
      throw err;
    }
    return delay;
  }

  /** Tokens available now (negative: requests already waiting for that many). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.#now();
    if (now > this.#last) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
    this.#last = Math.max(this.#last, now);
  }

  /** Takes one token, into debt if need be; returns the ms until the debt is paid. */
  #reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.qps);
  }
}

/** Whether a request opens a watch stream (never rate limited). */
export function isWatch(req: KubeRequest): boolean {
  return req.method === "GET" && req.query?.watch === "true";
}

/**
 * A Transport whose request starts wait for the bucket, watches excepted. `onThrottle` hears of every
 * request that waited (client-go logs those over 50 ms as client-side throttling).
 */
export function rateLimitedTransport(transport: Transport, bucket: TokenBucket, onThrottle?: (waitedMs: number, req: KubeRequest) => void): Transport {
  return async (req) => {
    if (!isWatch(req)) {
      const waited = await bucket.wait(req.signal);
      if (waited > 0) onThrottle?.(waited, req);
    }
    return transport(req);
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const done = () => {
      signal?.removeEventListener("abort", abort);
      res();
    };
    const t = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(t);
      rej(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
