/**
 * One tenant's agent: everything that reconciles one namespace with one identity, composed from that
 * identity's client. `rivulet run --namespace NS` makes one; `rivulet run --tenants FILE` makes one per
 * tenant, each with its own client (its own token and connection pool), artifact store, artifact and live
 * caches, event recorder, notification controller, Receiver lookup and queues, so nothing a tenant's
 * reconcilers hold can be reached by another tenant's. What the tenants share is the process's
 * listeners and its metrics registry, whose series carry the namespace.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../core/logger.ts";
import { AGENT_PERMISSIONS, describePermission, missingPermissions } from "../kube/access-check.ts";
import type { AgentMetrics } from "../http/metrics.ts";
import { notifyMetricsOf } from "../http/metrics.ts";
import { createEventRecorder, type EventRecorder } from "../status/events.ts";
import { keepingRecent, RecentEvents } from "../status/recent-events.ts";
import { statusSnapshot, type StatusSnapshot } from "../status/status-snapshot.ts";
import { Manager } from "../reconcile/manager.ts";
import type { Gate } from "../reconcile/fair-share.ts";
import { NotificationController } from "../reconcile/notification-controller.ts";
import { composeAgent, type AgentParts, type ComposeOptions } from "./compose.ts";
import { receiverPort, type ReceiverPort } from "./receiver-port.ts";
import { createFetch } from "../runtime/http-fetch.ts";

export interface TenantAgentOptions {
  namespace: string;
  /** The tenant's own client: every read and write of its reconcilers goes through it. */
  client: KubeClient;
  log: Logger;
  metrics: AgentMetrics;
  /** This replica's identity (the events' reportingInstance). */
  identity: string;
  compose: ComposeOptions;
  concurrency: number;
  /** The tenant's share of a multi-tenant host's reconcile slots (fair-share.ts); none in a single-tenant run. */
  gate?: Gate;
  labelSelector?: string;
  eventsAddr?: string;
  rateLimitIntervalMs: number;
  /** Keep the last events for the status page. */
  statusPage?: boolean;
}

/**
 * Refuses to start when the identity lacks what the agent needs in the namespace, listing everything
 * missing at once. `who` names the identity for the platform team (a context, a ServiceAccount).
 */
export async function checkAccess(client: KubeClient, namespace: string, who: string): Promise<void> {
  const missing = await missingPermissions(client, namespace, AGENT_PERMISSIONS);
  if (missing.length) {
    throw new Error(`Cannot run in namespace ${namespace}: the identity of ${who} may not ${missing.map(describePermission).join(", ")}; apply deploy/tenant/ in that namespace and bind it to this identity`);
  }
}

const controllerFor = (o: KubeObject) =>
  o.apiVersion.startsWith("kustomize.") ? "kustomize-controller" : o.apiVersion.startsWith("helm.") ? "helm-controller" : o.apiVersion.startsWith("notification.") ? "notification-controller" : "source-controller";

export class TenantAgent {
  readonly namespace: string;
  readonly client: KubeClient;
  readonly parts: AgentParts;
  readonly notify: NotificationController;
  readonly events: EventRecorder;
  /** Receiver webhooks of this namespace, looked up with this tenant's client or cache. */
  readonly hooks: ReceiverPort;
  /** The controllers, while this replica leads. */
  manager?: Manager;
  readonly #o: TenantAgentOptions;
  readonly #recent?: RecentEvents;

  constructor(o: TenantAgentOptions) {
    this.#o = o;
    this.namespace = o.namespace;
    this.client = o.client;
    this.parts = composeAgent(o.compose);
    const log = o.log;
    this.hooks = receiverPort({ client: o.client, namespace: o.namespace, log: log.with({ logger: "receiver-server" }), events: () => this.events, cached: () => this.manager?.controller("Receiver")?.cache.values() });
    this.notify = new NotificationController({
      client: o.client,
      namespace: o.namespace,
      log: log.with({ logger: "notification" }),
      events: { record: (obj, e) => this.events.record(obj, e) },
      fetchFor: (p) => createFetch(p.tls, p.proxy),
      lookup: (apiVersion, kind, name) => this.manager?.cached(apiVersion, kind, name),
      metrics: o.metrics,
      notifyMetrics: notifyMetricsOf(o.metrics),
      rateLimitIntervalMs: o.rateLimitIntervalMs,
    });
    const recorder = createEventRecorder({
      notify: (e) => (e.involvedObject.apiVersion?.startsWith("notification.") ? undefined : void this.notify.submit(e)),
      client: o.client,
      controllerFor,
      instance: o.identity,
      log,
      eventsAddr: o.eventsAddr,
    });
    // The page reads the controllers' caches; only the last events are kept for it, and only when it is on.
    this.#recent = o.statusPage ? new RecentEvents() : undefined;
    this.events = this.#recent ? keepingRecent(recorder, this.#recent) : recorder;
  }

  /** Runs the controllers and the notification controller until `leading` aborts. */
  start(leading: AbortSignal): Manager {
    const o = this.#o;
    const manager = new Manager(this.parts.reconcilers, { client: o.client, namespace: o.namespace, log: o.log, events: this.events, metrics: o.metrics, labelSelector: o.labelSelector, concurrency: o.concurrency, gate: o.gate });
    this.manager = manager;
    for (const c of manager.controllers) {
      void c.synced().then(() => o.log.info("watching objects", { kind: c.kind, count: c.cache.size }));
    }
    void manager.run(leading);
    void this.notify.run(leading);
    return manager;
  }

  /** What the status page shows of this namespace. */
  snapshot(): StatusSnapshot {
    return statusSnapshot(this.namespace, this.manager?.controllers.flatMap((c) => [...c.cache.values()]) ?? [], this.#recent?.list() ?? []);
  }
}
