/**
 * Alerts and Providers of the agent's namespace, kept current by a watch, and the notification pipeline
 * fed from them (agent/notify). Flux's v1beta3 Alert and Provider have no status (they are static
 * objects in notification-controller 2.x), so this "reconciler" writes none: a Provider's readiness is a
 * Kubernetes Event on it when it changes (Normal `Succeeded` / Warning `ValidationFailed`, e.g. an
 * unimplemented type, a missing Secret, a bad address) and the `gotk_reconcile_condition` series; an
 * Alert's problems (cross-namespace sources, invalid expressions, failed deliveries) are Warning events
 * on it. A Provider is resolved (its Secrets read) when it changes and again after `providerTtlMs`, so a
 * rotated Secret is picked up without an API read per event.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { watchLoop } from "../kube/watch-loop.ts";
import { readSecret } from "../kube/secret.ts";
import type { Logger } from "../core/logger.ts";
import type { Fetch } from "../core/fetch.ts";
import { messageOf } from "../core/errors.ts";
import { applyDefaults, validate } from "../api/validate.ts";
import { alertKind, type Alert } from "../api/alert.ts";
import { providerKind, type Provider } from "../api/provider.ts";
import type { EventRecorder } from "../status/events.ts";
import type { ControllerMetrics } from "./controller-metrics.ts";
import { goRegexp } from "../core/go-regexp.ts";
import { Dispatcher, type DispatcherOptions } from "../notify/dispatcher.ts";
import type { FluxEvent } from "../notify/flux-event.ts";
import { Notifications, type ProviderState, type SubmitResult } from "../notify/notifications.ts";
import type { NotifyMetrics } from "../notify/notify-metrics.ts";
import { resolveProvider, type ResolvedProvider } from "../notify/provider-settings.ts";
import { EventRateLimiter } from "../notify/rate-limit.ts";

export const DEFAULTS = {
  providerTtlMs: 60_000,
};

export interface NotificationControllerOptions {
  client: KubeClient;
  namespace: string;
  log: Logger;
  events: EventRecorder;
  fetchFor(p: ResolvedProvider): Fetch;
  /** Labels of a watched Flux object from the agent's caches; the API server is asked otherwise. */
  lookup?(apiVersion: string, kind: string, name: string): KubeObject | undefined;
  metrics?: Pick<ControllerMetrics, "condition">;
  notifyMetrics?: NotifyMetrics;
  rateLimitIntervalMs?: number;
  providerTtlMs?: number;
  dispatch?: Pick<DispatcherOptions, "queueSize" | "workers" | "retry">;
  now?: () => number;
}

interface ProviderEntry {
  obj: Provider;
  state?: ProviderState;
  resolvedAt?: number;
  pending?: Promise<ProviderState>;
  lastVerdict?: string;
}

export class NotificationController {
  readonly dispatcher: Dispatcher;
  readonly notifications: Notifications;
  readonly #o: NotificationControllerOptions;
  readonly #alerts = new Map<string, Alert>();
  readonly #providers = new Map<string, ProviderEntry>();
  readonly #synced: Array<Promise<void>> = [];
  readonly #markSynced: Array<() => void> = [];

  constructor(o: NotificationControllerOptions) {
    this.#o = o;
    for (let i = 0; i < 2; i++) this.#synced.push(new Promise((res) => this.#markSynced.push(res)));
    this.dispatcher = new Dispatcher({
      ...o.dispatch,
      fetchFor: o.fetchFor,
      metrics: o.notifyMetrics,
      onFailure: (d, message) => {
        o.log.error(`Alert/${o.namespace}/${d.alert} notification failed: ${message}`, { provider: d.providerKey });
        this.notifications.deliveryFailed(this.#alerts.get(d.alert), d.event, message);
      },
    });
    this.notifications = new Notifications({
      namespace: o.namespace,
      alerts: () => [...this.#alerts.values()],
      provider: (name) => this.#provider(name),
      labelsOf: (e) => this.#labelsOf(e),
      warn: (alert, reason, message) => void o.events.record(kubeOf(alert, alertKind), { type: "Warning", reason, message }),
      dispatcher: this.dispatcher,
      limiter: new EventRateLimiter({ intervalMs: o.rateLimitIntervalMs }),
      metrics: o.notifyMetrics,
      now: o.now,
    });
  }

  /** Hands an event to the pipeline without waiting; errors are logged. */
  submit(event: FluxEvent): Promise<SubmitResult> {
    return this.notifications.submit(event).catch((err) => {
      this.#o.log.error("notification pipeline failed", { error: messageOf(err) });
      return "unmatched" as const;
    });
  }

  /** Resolves once both kinds were listed. */
  synced(): Promise<void> {
    return Promise.all(this.#synced).then(() => {});
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, namespace, log } = this.#o;
    const onError = (kind: string) => (err: unknown, attempt: number, retryInMs: number) => log.error(`watching ${kind} failed`, { error: messageOf(err), attempt, retryInMs });
    await Promise.all([
      watchLoop(client, { apiVersion: alertKind.apiVersion, kind: alertKind.kind, namespace }, {
        signal,
        onSync: (items) => {
          this.#alerts.clear();
          for (const i of items) this.#putAlert(i);
          this.#markSynced[0]!();
        },
        onEvent: (ev) => (ev.type === "DELETED" ? void this.#alerts.delete(ev.object.metadata.name!) : this.#putAlert(ev.object)),
        onError: onError("Alerts"),
      }),
      watchLoop(client, { apiVersion: providerKind.apiVersion, kind: providerKind.kind, namespace }, {
        signal,
        onSync: (items) => {
          this.#providers.clear();
          for (const i of items) this.#putProvider(i);
          this.#markSynced[1]!();
        },
        onEvent: (ev) => (ev.type === "DELETED" ? this.#deleteProvider(ev.object) : this.#putProvider(ev.object)),
        onError: onError("Providers"),
      }),
    ]);
  }

  /** Typed and defaulted as agent/api declares the kind, or undefined (logged) when invalid. */
  #typed<T>(obj: KubeObject, kind: typeof alertKind | typeof providerKind): T | undefined {
    const withKind = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind };
    const errors = validate(withKind);
    if (errors.length) {
      this.#o.log.error(`${kind.kind}/${this.#o.namespace}/${obj.metadata.name} is invalid`, { errors: errors.map((e) => `${e.path}: ${e.message}`) });
      return undefined;
    }
    return applyDefaults(withKind) as unknown as T;
  }

  #putAlert(obj: KubeObject): void {
    const alert = this.#typed<Alert>(obj, alertKind);
    if (!alert) return void this.#alerts.delete(obj.metadata.name!);
    const before = this.#alerts.get(obj.metadata.name!);
    this.#alerts.set(obj.metadata.name!, alert);
    if (before?.metadata.generation === alert.metadata.generation) return;
    // Told once per generation, before any event arrives: the problems Flux would only log per event.
    const warn = (reason: string, message: string) => void this.#o.events.record(kubeOf(alert, alertKind), { type: "Warning", reason, message });
    for (const src of alert.spec.eventSources) {
      if (src.namespace && src.namespace !== this.#o.namespace) warn("AccessDenied", `cross-namespace event source ${src.kind}/${src.namespace}/${src.name} is not allowed: the agent serves namespace ${this.#o.namespace} only`);
    }
    for (const [list, exprs] of [["inclusion", alert.spec.inclusionList], ["exclusion", alert.spec.exclusionList]] as const) {
      for (const e of exprs ?? []) if (goRegexp(e) instanceof Error) warn("InvalidConfig", `failed to compile ${list} regex: ${e}`);
    }
  }

  #putProvider(obj: KubeObject): void {
    const provider = this.#typed<Provider>(obj, providerKind);
    if (!provider) return void this.#providers.delete(obj.metadata.name!);
    const name = obj.metadata.name!;
    const before = this.#providers.get(name);
    const entry: ProviderEntry = { obj: provider, lastVerdict: before?.lastVerdict };
    this.#providers.set(name, entry);
    void this.#resolve(entry);
  }

  #deleteProvider(obj: KubeObject): void {
    this.#providers.delete(obj.metadata.name!);
    this.#o.metrics?.condition.deleteMatching({ kind: providerKind.kind, name: obj.metadata.name!, namespace: this.#o.namespace });
  }

  async #provider(name: string): Promise<ProviderState | undefined> {
    const entry = this.#providers.get(name);
    if (!entry) return undefined;
    const now = (this.#o.now ?? Date.now)();
    if (entry.state && entry.resolvedAt !== undefined && now - entry.resolvedAt < (this.#o.providerTtlMs ?? DEFAULTS.providerTtlMs)) return entry.state;
    return this.#resolve(entry);
  }

  #resolve(entry: ProviderEntry): Promise<ProviderState> {
    entry.pending ??= this.#resolveNow(entry).finally(() => (entry.pending = undefined));
    return entry.pending;
  }

  async #resolveNow(entry: ProviderEntry): Promise<ProviderState> {
    const { client, namespace } = this.#o;
    const p = entry.obj;
    const suspended = p.spec.suspend ?? false;
    const ref = `Provider/${namespace}/${p.metadata.name}`;
    let state: ProviderState;
    try {
      const resolved = await resolveProvider(p, (name) => readSecret(client, namespace, name, ref));
      state = { ready: true, suspended, resolved };
    } catch (err) {
      state = { ready: false, suspended, message: messageOf(err) };
    }
    entry.state = state;
    entry.resolvedAt = (this.#o.now ?? Date.now)();
    this.#report(entry, state);
    return state;
  }

  #report(entry: ProviderEntry, state: ProviderState): void {
    const p = entry.obj;
    const verdict = state.ready ? "ready" : `not ready: ${state.message}`;
    for (const s of ["True", "False"]) {
      this.#o.metrics?.condition.set({ kind: providerKind.kind, name: p.metadata.name ?? "", namespace: this.#o.namespace, type: "Ready", status: s }, (s === "True") === state.ready ? 1 : 0);
    }
    if (entry.lastVerdict === verdict) return;
    entry.lastVerdict = verdict;
    if (state.ready) void this.#o.events.record(kubeOf(p, providerKind), { type: "Normal", reason: "Succeeded", message: "Initialized" });
    else {
      this.#o.log.error(`Provider/${this.#o.namespace}/${p.metadata.name} not ready: ${state.message}`);
      void this.#o.events.record(kubeOf(p, providerKind), { type: "Warning", reason: "ValidationFailed", message: state.message });
    }
  }

  async #labelsOf(event: FluxEvent): Promise<Record<string, string> | undefined> {
    const io = event.involvedObject;
    if (!io.apiVersion || !io.kind || !io.name || io.namespace !== this.#o.namespace) return undefined;
    const cached = this.#o.lookup?.(io.apiVersion, io.kind, io.name);
    if (cached) return cached.metadata.labels ?? {};
    try {
      const obj = await this.#o.client.get({ apiVersion: io.apiVersion, kind: io.kind, namespace: io.namespace, name: io.name });
      return obj ? (obj.metadata.labels ?? {}) : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The object as the event recorder takes it (the kind's apiVersion and kind always set). */
function kubeOf(obj: Alert | Provider, kind: typeof alertKind | typeof providerKind): KubeObject {
  return { ...obj, apiVersion: kind.apiVersion, kind: kind.kind, metadata: obj.metadata } as KubeObject;
}
