/**
 * Runs one Controller per served kind in the agent's namespace and wires them together: when a
 * source's artifact changes, the objects that use it are enqueued at once (not at their next interval).
 */
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../core/logger.ts";
import type { EventRecorder } from "../status/events.ts";
import type { AgentMetrics } from "../http/metrics.ts";
import { Controller, type Reconciler } from "./controller.ts";

export interface ManagerOptions {
  client: KubeClient;
  namespace: string;
  log: Logger;
  events: EventRecorder;
  metrics?: AgentMetrics;
  labelSelector?: string;
  concurrency?: number;
}

export class Manager {
  readonly controllers: Controller[];

  constructor(reconcilers: Reconciler[], o: ManagerOptions) {
    this.controllers = reconcilers.map(
      (r) =>
        new Controller(r, {
          client: o.client,
          namespace: o.namespace,
          log: o.log.with({ controller: r.kind.toLowerCase() }),
          events: o.events,
          metrics: o.metrics,
          labelSelector: o.labelSelector,
          concurrency: o.concurrency,
        }),
    );
    for (const c of this.controllers) c.onArtifactChanged = (obj) => this.enqueue(this.usersOf(obj.kind, obj.metadata.name!));
  }

  controller(kind: string): Controller | undefined {
    return this.controllers.find((c) => c.kind === kind);
  }

  /**
   * Objects ("Kind/name") that consume the artifact of kind/name: Kustomizations through
   * spec.sourceRef, GitRepositories through spec.include. Only the agent's own namespace is ever
   * looked at: cross-namespace references are refused elsewhere.
   */
  usersOf(kind: string, name: string): string[] {
    const out: string[] = [];
    for (const c of this.controllers) {
      for (const o of c.cache.values()) {
        const spec = (o.spec ?? {}) as { sourceRef?: { kind?: string; name?: string; namespace?: string }; include?: Array<{ repository?: { name?: string } }> };
        const sr = spec.sourceRef;
        const viaRef = sr?.kind === kind && sr.name === name && (!sr.namespace || sr.namespace === o.metadata.namespace);
        const viaInclude = kind === "GitRepository" && spec.include?.some((i) => i.repository?.name === name);
        if (viaRef || viaInclude) out.push(`${c.kind}/${o.metadata.name}`);
      }
    }
    return out;
  }

  /** Enqueues objects named "Kind/name". */
  enqueue(keys: string[]): void {
    for (const k of keys) {
      const slash = k.indexOf("/");
      this.controller(k.slice(0, slash))?.enqueue(k.slice(slash + 1));
    }
  }

  /** Refreshes the queue-depth gauge (called before /metrics renders). */
  updateMetrics(metrics: AgentMetrics): void {
    for (const c of this.controllers) metrics.queueDepth.set({ kind: c.kind }, c.queueDepth);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.run(signal)));
  }
}
