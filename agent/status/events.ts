/**
 * Records Kubernetes Events about rivulet's objects where Flux users look (`kubectl events`,
 * `flux events`), and optionally forwards them to a Flux notification-controller (`--events-addr`) in
 * Flux's event JSON (event.toolkit.fluxcd.io/v1beta1). An event repeated within the fold window updates
 * the count and lastTimestamp of the first one (a merge patch) instead of creating another, as client-go's
 * recorder does.
 * Every event also goes, as Flux's event object, to the agent's own Alerts (`notify`), without waiting.
 * The event's metadata (the revision and token keys a reconciler gives, plus the object's own
 * `event.toolkit.fluxcd.io/*` annotations) is also the Kubernetes Event's annotations, as fluxcd/pkg's
 * recorder passes it to client-go's AnnotatedEventf.
 * Recording never throws: a failed event is logged and the reconcile goes on.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../core/logger.ts";
import type { Fetch } from "../core/fetch.ts";
import { formatRef } from "../core/ref.ts";
import { isNotFound } from "../kube/api-error.ts";
import { formatTime } from "../core/time.ts";
import { encodeFluxEvent, eventMetadata, fluxEventOf, type FluxEvent } from "../notify/flux-event.ts";

export const DEFAULTS = {
  foldWindowMs: 10 * 60_000,
  forwardTimeoutMs: 5_000,
  forwardAttempts: 3,
  /** notification-controller caps messages at 39000 characters. */
  maxMessage: 39_000,
};

export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** The event's metadata, e.g. {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:..."}: Event annotations, forwarded metadata. */
  metadata?: Record<string, string>;
  /** Trace events go to Kubernetes only, never to the notification-controller (Flux's rule). */
  trace?: boolean;
  /**
   * Goes to the Alerts and `--events-addr` only, not to a Kubernetes Event: for an event every reconcile
   * repeats with a new message (Flux's "Reconciliation finished in 1.2s"), where an Event per reconcile
   * would be an API write per reconcile that nobody reads.
   */
  notifyOnly?: boolean;
}

export interface EventRecorder {
  record(obj: KubeObject, e: EventInput): Promise<void>;
}

export interface EventRecorderOptions {
  client: KubeClient;
  /** reportingController / source.component, e.g. "kustomize-controller" or "source-controller". */
  controllerFor(obj: KubeObject): string;
  instance: string;
  log: Logger;
  eventsAddr?: string;
  fetch?: Fetch;
  now?: () => Date;
  fieldManager?: string;
  /** Hands the Flux event to the agent's notification pipeline; must not block. */
  notify?: (event: FluxEvent) => void;
}

interface Folded {
  name: string;
  count: number;
  first: string;
  lastAt: number;
}

export function createEventRecorder(o: EventRecorderOptions): EventRecorder {
  const now = o.now ?? (() => new Date());
  const folded = new Map<string, Folded>();
  const seq = { n: 0 };

  const toKubernetes = async (obj: KubeObject, e: EventInput, message: string) => {
    const annotations = eventMetadata(obj, e);
    const t = now();
    const ts = formatTime(t);
    const foldKey = `${obj.metadata.uid}/${e.type}/${e.reason}/${message}`;
    let f = folded.get(foldKey);
    if (f && t.getTime() - f.lastAt > DEFAULTS.foldWindowMs) f = undefined;
    if (f) {
      f.count++;
      f.lastAt = t.getTime();
    } else {
      // Unique per object and moment, like client-go's "<name>.<hex unix nanos>".
      const suffix = (t.getTime() * 1000 + (seq.n++ % 1000)).toString(16);
      f = { name: `${obj.metadata.name}.${suffix}`, count: 1, first: ts, lastAt: t.getTime() };
      folded.set(foldKey, f);
      if (folded.size > 4096) folded.delete(folded.keys().next().value!);
    }
    const controller = o.controllerFor(obj);
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: f.name, namespace: obj.metadata.namespace, ...(Object.keys(annotations).length ? { annotations } : {}) },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason: e.reason,
      message,
      type: e.type,
      source: { component: controller },
      reportingComponent: controller,
      reportingInstance: o.instance,
      firstTimestamp: f.first,
      lastTimestamp: ts,
      count: f.count,
    };
    // As client-go's recorder writes them: a new Event is created, a repeat patches its count and
    // lastTimestamp (and is created again if it expired meanwhile). A create costs the API server about
    // half the CPU of a server-side apply, which first reads the object it may create (0.39 against
    // 0.76 ms, bench/write-cost.ts); nobody else edits Events, so field ownership buys nothing.
    const create = () => o.client.raw("POST", `/api/v1/namespaces/${encodeURIComponent(obj.metadata.namespace ?? "")}/events?fieldManager=${encodeURIComponent(o.fieldManager ?? "rivulet")}`, event);
    if (f.count === 1) return void (await create());
    try {
      await o.client.patch({ apiVersion: "v1", kind: "Event", namespace: obj.metadata.namespace, name: f.name }, { count: f.count, lastTimestamp: ts, message }, "merge");
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await create();
    }
  };

  const toNotificationController = async (obj: KubeObject, e: EventInput, message: string) => {
    const event = fluxEventOf(obj, { ...e, message }, { controller: o.controllerFor(obj), instance: o.instance, now: now() });
    if (!event) return;
    o.notify?.(event);
    if (!o.eventsAddr) return;
    const body = encodeFluxEvent(event);
    const fetch = o.fetch ?? globalThis.fetch;
    let lastErr: unknown;
    for (let attempt = 1; attempt <= DEFAULTS.forwardAttempts; attempt++) {
      try {
        const res = await fetch(o.eventsAddr, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          signal: AbortSignal.timeout(DEFAULTS.forwardTimeoutMs),
        });
        // 429 is the notification-controller's duplicate suppression: not an error, not retried.
        if (res.status < 500) return;
        lastErr = new Error(`HTTP ${res.status}`);
      } catch (err) {
        lastErr = err;
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    throw new Error(`Cannot forward the event to ${o.eventsAddr}: ${(lastErr as Error)?.message ?? lastErr}`);
  };

  return {
    async record(obj, e) {
      const message = e.message.length > DEFAULTS.maxMessage ? e.message.slice(0, DEFAULTS.maxMessage) : e.message;
      const results = await Promise.allSettled([e.notifyOnly ? undefined : toKubernetes(obj, e, message), toNotificationController(obj, e, message)]);
      for (const r of results) {
        if (r.status === "rejected") o.log.error(`${formatRef(obj)} event not recorded`, { reason: e.reason, error: r.reason });
      }
    },
  };
}
