/**
 * Waits until every named object is Current (kstatus), as Flux's health checks do: polls the objects,
 * stops early as soon as one is Failed (Flux's default fail-fast), and on timeout names every object
 * that is not Current with its last status: `timeout waiting for: [Deployment/apps/web status:
 * 'InProgress']`. Objects already Current are not polled again, to save API calls (Flux re-polls them).
 *
 * Limits: polling only (no watch); one GET per pending object per round, DEFAULTS.concurrency at a time.
 */
import type { KubeClient } from "../kube/client.ts";
import type { ObjectKey } from "../kube/types.ts";
import { formatRef } from "../core/ref.ts";
import { messageOf } from "../core/errors.ts";
import { computeStatus, type HealthStatus } from "./kstatus.ts";

export const DEFAULTS = {
  /** Flux polls every 5 s. */
  pollMs: 5_000,
  timeoutMs: 60_000,
  concurrency: 8,
};

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** Stop as soon as an object is Failed (Flux's default). */
  failFast?: boolean;
  signal?: AbortSignal;
  concurrency?: number;
}

export interface ObjectHealth {
  ref: string;
  key: ObjectKey;
  status: HealthStatus;
  message: string;
  /** Set when the object could not be read. */
  error?: string;
}

export interface HealthResult {
  healthy: boolean;
  failed: ObjectHealth[];
  /** Objects that did not become Current in time (InProgress, NotFound, Terminating, Unknown). */
  inProgress: ObjectHealth[];
  /** The last status of every object, in the order given. */
  statuses: ObjectHealth[];
  /** Flux's error text when not healthy. */
  message?: string;
  elapsedMs: number;
}

const refOf = (k: ObjectKey) => formatRef({ kind: k.kind, metadata: { name: k.name, namespace: k.namespace } });

export async function checkHealth(client: KubeClient, key: ObjectKey): Promise<ObjectHealth> {
  const ref = refOf(key);
  try {
    const obj = await client.get(key);
    return { ref, key, ...computeStatus(obj) };
  } catch (err) {
    return { ref, key, status: "Unknown", message: "Cannot read the object", error: messageOf(err) };
  }
}

export async function waitForHealthy(client: KubeClient, keys: readonly ObjectKey[], opts: WaitOptions = {}): Promise<HealthResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const pollMs = opts.pollMs ?? DEFAULTS.pollMs;
  const failFast = opts.failFast ?? true;
  const limit = opts.concurrency ?? DEFAULTS.concurrency;
  const deadline = started + timeoutMs;
  const last: ObjectHealth[] = keys.map((key) => ({ ref: refOf(key), key, status: "Unknown", message: "Not checked yet" }));
  let timedOut = false;
  let cancelled = false;

  for (;;) {
    const pending = last.map((h, i) => [h, i] as const).filter(([h]) => h.status !== "Current");
    await forEachLimit(pending, limit, async ([h, i]) => {
      last[i] = await checkHealth(client, h.key);
    });
    if (last.every((h) => h.status === "Current")) break;
    if (failFast && last.some((h) => h.status === "Failed")) break;
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    const wait = Math.min(pollMs, deadline - Date.now());
    if (wait <= 0) {
      timedOut = true;
      break;
    }
    await sleep(wait, opts.signal);
  }

  const failed = last.filter((h) => h.status === "Failed");
  const notCurrent = last.filter((h) => h.status !== "Current" && h.status !== "Failed");
  const healthy = failed.length === 0 && notCurrent.length === 0;
  const result: HealthResult = { healthy, failed, inProgress: notCurrent, statuses: last, elapsedMs: Date.now() - started };
  if (!healthy) {
    const listed = timedOut || cancelled ? [...failed, ...notCurrent] : failed;
    const ordered = last.filter((h) => listed.includes(h));
    const lead = timedOut ? "timeout waiting for" : cancelled ? "health check cancelled while waiting for" : "failed early due to stalled resources";
    result.message = `${lead}: [${ordered.map(describe).join(", ")}]`;
  }
  return result;
}

function describe(h: ObjectHealth): string {
  return `${h.ref} status: '${h.status}'${h.error ? `: ${h.error}` : ""}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
