/**
 * The host of `rivulet run --tenants FILE`: many tenants' agents (tenant-agent.ts) in one process. While
 * the host leads, each tenant in the file is started on its own (credentials, access check, agent); one
 * that cannot start is reported (a log line, `rivulet_tenant_ready` 0, its reason on /readyz) and retried
 * with backoff while the others run. The file is re-read every few seconds (a mounted ConfigMap changes
 * under the process without any signal): a removed tenant's controllers stop, an added one starts, a
 * changed entry restarts that tenant only, and a file that no longer parses is logged and ignored.
 *
 * The shared listeners route here: artifacts by the namespace in their path, Receiver hooks to the
 * tenant one of whose Receivers owns the digest path, Flux events by their object's namespace.
 */
import type { Logger } from "../core/logger.ts";
import { messageOf } from "../core/errors.ts";
import { abortableSleep } from "../kube/watch-loop.ts";
import { Counter, Gauge, type AgentMetrics } from "../http/metrics.ts";
import type { WebhookPort } from "../http/webhook-routes.ts";
import type { FluxEvent } from "../notify/flux-event.ts";
import type { StatusSnapshot } from "../status/status-snapshot.ts";
import type { FairShare, Gate } from "../reconcile/fair-share.ts";
import type { TenantAgent } from "./tenant-agent.ts";
import type { TenantEntry } from "./tenants-file.ts";

export const DEFAULTS = {
  /** First retry of a tenant that could not start; doubled each time up to retryMaxMs. */
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  /** How often the tenants file is re-read. */
  reloadMs: 5_000,
};

/**
 * How many of the process's reconcile slots one tenant may hold at once: twice its per-kind concurrency
 * (its two busy kinds, sources and the Kustomizations or releases that use them, each at full
 * --concurrent), but never more than half the slots, so a tenant flooding its queues always leaves the
 * other half to the rest, served round robin. Its per-kind queues still cap each kind at `concurrent`.
 */
export function tenantSlotLimit(concurrent: number, slots: number): number {
  return Math.max(1, Math.min(2 * concurrent, Math.ceil(slots / 2)));
}

export interface TenantStartContext {
  signal: AbortSignal;
  /** Reports a later credential failure (a token that could not be renewed) or its recovery. */
  report(error: Error | undefined): void;
  /** Counts one API request of this tenant (for rivulet_tenant_kube_requests_total). */
  onRequest(verb: string): void;
  /** The tenant's gate on the host's fair share of reconcile slots, when the host shares them. */
  gate?: Gate;
}

export interface TenantHostOptions {
  log: Logger;
  metrics: AgentMetrics;
  /** Connects as the tenant, checks its access and composes its agent; throws what stops it. */
  startTenant(entry: TenantEntry, ctx: TenantStartContext): Promise<TenantAgent>;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** The process-wide reconcile slots, shared round robin; each tenant gets a gate of limitOf(entry). */
  fairShare?: { share: FairShare; limitOf(entry: TenantEntry): number };
}

export interface TenantReadiness {
  ready: boolean;
  reason?: string;
}

interface Slot {
  entry: TenantEntry;
  key: string;
  stop: AbortController;
  gate?: Gate & { close(): void };
  agent?: TenantAgent;
  readiness: TenantReadiness;
}

export class TenantHost {
  readonly #o: TenantHostOptions;
  #desired: TenantEntry[] = [];
  readonly #slots = new Map<string, Slot>();
  #leading?: AbortSignal;
  readonly #ready: Gauge;
  readonly #requests: Counter;
  readonly #slotsInUse: Gauge;

  constructor(entries: TenantEntry[], o: TenantHostOptions) {
    this.#o = o;
    this.#desired = entries;
    this.#ready = o.metrics.registry.register(new Gauge("rivulet_tenant_ready", "Whether a tenant of this host runs (1) or could not start and is being retried (0), by namespace."));
    this.#requests = o.metrics.registry.register(new Counter("rivulet_tenant_kube_requests_total", "Requests a tenant's agent sent to the Kubernetes API with its own credentials, by namespace and verb."));
    this.#slotsInUse = o.metrics.registry.register(new Gauge("rivulet_tenant_reconciles", "A tenant's reconciles holding one of the process's slots (running) or waiting for one (waiting), by namespace."));
  }

  /** The namespaces in the file, in its order. */
  get namespaces(): string[] {
    return this.#desired.map((e) => e.namespace);
  }

  /** Starts every tenant; they stop when `leading` aborts (and start again on the next start). */
  start(leading: AbortSignal): void {
    this.#leading = leading;
    leading.addEventListener("abort", () => {
      for (const ns of [...this.#slots.keys()]) this.#stop(ns);
      if (this.#leading === leading) this.#leading = undefined;
    }, { once: true });
    for (const e of this.#desired) this.#launch(e);
  }

  /** A new list from the file: stops removed and changed tenants, starts added and changed ones. */
  setTenants(entries: TenantEntry[]): void {
    this.#desired = entries;
    if (!this.#leading) return;
    const wanted = new Map(entries.map((e) => [e.namespace, e]));
    for (const [ns, slot] of [...this.#slots]) {
      const e = wanted.get(ns);
      if (!e || JSON.stringify(e) !== slot.key) {
        this.#stop(ns);
        this.#o.log.info(e ? "tenant changed: restarting it" : "tenant removed: its controllers stop", { namespace: ns });
      }
    }
    for (const e of entries) if (!this.#slots.has(e.namespace)) this.#launch(e);
  }

  /**
   * Re-reads the file every `intervalMs` until `signal` aborts; a changed list is applied, a list that
   * does not parse is logged and the running tenants are kept.
   */
  async watchFile(read: () => TenantEntry[] | Promise<TenantEntry[]>, signal: AbortSignal, intervalMs = DEFAULTS.reloadMs): Promise<void> {
    let last = JSON.stringify(this.#desired);
    while (!signal.aborted) {
      await abortableSleep(intervalMs, signal);
      if (signal.aborted) return;
      try {
        const entries = await read();
        const text = JSON.stringify(entries);
        if (text === last) continue;
        last = text;
        this.#o.log.info("tenants file changed", { tenants: entries.map((e) => e.namespace) });
        this.setTenants(entries);
      } catch (err) {
        this.#o.log.error("cannot reload the tenants file: keeping the running tenants", { error: messageOf(err) });
      }
    }
  }

  /** The running agent of a namespace. */
  agent(namespace: string): TenantAgent | undefined {
    return this.#slots.get(namespace)?.agent;
  }

  /** Each tenant's state for /readyz (only while leading: a standby runs none). */
  readiness(): Record<string, TenantReadiness> {
    return Object.fromEntries([...this.#slots].map(([ns, s]) => [ns, s.readiness]));
  }

  /** A stored artifact, from the store of the tenant whose namespace is in the path (`kind/ns/name/file`). */
  artifact(path: string): Promise<Uint8Array | undefined> {
    const ns = path.split("/")[1] ?? "";
    return this.agent(ns)?.parts.store.get(path) ?? Promise.resolve(undefined);
  }

  /** Receiver hooks: the tenant one of whose Receivers has this webhook path answers (the digest names one namespace). */
  readonly hooks: WebhookPort = {
    handle: async (path, req) => {
      for (const slot of this.#slots.values()) {
        const a = slot.agent;
        if (a && (await a.hooks.owns(path).catch(() => false))) return a.hooks.handle(path, req);
      }
      return { status: 404, message: `no Receiver has the webhook path ${path}` };
    },
  };

  /** A Flux event posted to the event address goes through the Alerts of its object's namespace. */
  submit(event: FluxEvent): Promise<"duplicate" | "unmatched" | "dispatched"> {
    const a = this.agent(event.involvedObject.namespace ?? "");
    return a ? a.notify.submit(event) : Promise.resolve("unmatched");
  }

  /** The status page: every running tenant's objects, namespace by namespace. */
  snapshot(hostNamespace: string): StatusSnapshot {
    const parts = [...this.#slots.values()].flatMap((s) => (s.agent ? [s.agent.snapshot()] : []));
    return { namespace: parts.length ? parts.map((p) => p.namespace).join(", ") : hostNamespace, objects: parts.flatMap((p) => p.objects), events: parts.flatMap((p) => p.events) };
  }

  /** Per-tenant queue depths and slots (before /metrics renders). */
  updateMetrics(): void {
    for (const [ns, s] of this.#slots) s.agent?.manager?.updateMetrics(this.#o.metrics, { namespace: ns });
    for (const t of this.#o.fairShare?.share.shares() ?? []) {
      this.#slotsInUse.set({ namespace: t.name, state: "running" }, t.running);
      this.#slotsInUse.set({ namespace: t.name, state: "waiting" }, t.waiting);
    }
  }

  /** Artifact-cache evictions of all tenants (activity for the memory trim). */
  evictions(): number {
    let n = 0;
    for (const s of this.#slots.values()) n += s.agent?.parts.cache.evictions ?? 0;
    return n;
  }

  #launch(entry: TenantEntry): void {
    const leading = this.#leading!;
    const stop = new AbortController();
    leading.addEventListener("abort", () => stop.abort(), { once: true, signal: stop.signal });
    const fair = this.#o.fairShare;
    const gate = fair?.share.tenant(entry.namespace, { limit: fair.limitOf(entry) });
    const slot: Slot = { entry, key: JSON.stringify(entry), stop, gate, readiness: { ready: false, reason: "starting" } };
    this.#slots.set(entry.namespace, slot);
    this.#ready.set({ namespace: entry.namespace }, 0);
    void this.#supervise(slot);
  }

  #stop(namespace: string): void {
    const slot = this.#slots.get(namespace);
    if (!slot) return;
    slot.stop.abort();
    // Its waiting works are dropped and its slots freed at once: a stopped tenant's slow works must not
    // keep the others waiting (and a restarted one opens a new gate under the same name).
    slot.gate?.close();
    this.#slots.delete(namespace);
    // Its series go with it: a removed tenant leaves nothing behind on /metrics.
    this.#ready.delete({ namespace });
    const m = this.#o.metrics;
    for (const g of [m.queueDepth, m.condition, m.suspended, this.#slotsInUse]) g.deleteMatching({ namespace });
  }

  async #supervise(slot: Slot): Promise<void> {
    const { namespace } = slot.entry;
    const signal = slot.stop.signal;
    const log = this.#o.log.with({ tenant: namespace });
    const set = (readiness: TenantReadiness) => {
      if (signal.aborted) return;
      slot.readiness = readiness;
      this.#ready.set({ namespace }, readiness.ready ? 1 : 0);
    };
    let delay = this.#o.retryBaseMs ?? DEFAULTS.retryBaseMs;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const agent = await this.#o.startTenant(slot.entry, {
          signal,
          report: (err) => {
            if (!slot.agent) return;
            if (err) log.error("tenant credentials failing", { error: err.message });
            set(err ? { ready: false, reason: err.message } : { ready: true });
          },
          onRequest: (verb) => this.#requests.inc({ namespace, verb }),
          gate: slot.gate,
        });
        if (signal.aborted) return;
        slot.agent = agent;
        set({ ready: true });
        log.info("tenant started", { namespace, attempt });
        agent.start(signal);
        return;
      } catch (err) {
        if (signal.aborted) return;
        const reason = messageOf(err);
        set({ ready: false, reason });
        log.error("tenant not started: retrying", { namespace, error: reason, attempt, retryInSeconds: delay / 1000 });
        await abortableSleep(delay, signal);
        delay = Math.min(delay * 2, this.#o.retryMaxMs ?? DEFAULTS.retryMaxMs);
      }
    }
  }
}
