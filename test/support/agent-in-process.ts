/**
 * rivulet's agent composed in-process exactly as `rivulet run` composes it (compose.ts + Manager + the
 * Hono apps serving probes and artifacts), for integration tests that need to look inside: start, stop, restart on
 * the same storage.
 */
import { createLogger } from "../../agent/core/logger.ts";
import { createEventRecorder } from "../../agent/status/events.ts";
import { agentMetrics, type AgentMetrics } from "../../agent/http/metrics.ts";
import { createApp } from "../../agent/http/app.ts";
import { createArtifactApp } from "../../agent/http/artifact-app.ts";
import { Manager } from "../../agent/reconcile/manager.ts";
import { composeAgent, type ComposeOptions } from "../../agent/cli/compose.ts";
import { serve, type Served } from "../../agent/runtime/serve.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import { NotificationController } from "../../agent/reconcile/notification-controller.ts";
import { notifyMetricsOf } from "../../agent/http/metrics.ts";
import { createFetch } from "../../agent/runtime/http-fetch.ts";

export interface InProcessAgent {
  /** The artifact server (`--storage-addr`): status.artifact.url points here. */
  server: Served;
  /** The probes and metrics server (`--health-addr`). */
  probes: Served;
  manager: Manager;
  metrics: AgentMetrics;
  /** The Alerts and Providers of the namespace and their dispatch, when started with `notifications`. */
  notifications?: NotificationController;
  logs: string[];
  stop(): Promise<void>;
}

export async function startAgent(
  client: KubeClient,
  namespace: string,
  storagePath: string,
  extra: Partial<Omit<ComposeOptions, "storagePath" | "storageBaseUrl" | "metrics">> & { notifications?: boolean } = {},
): Promise<InProcessAgent> {
  const metrics = agentMetrics();
  const logs: string[] = [];
  const log = createLogger((l) => void logs.push(l), { level: "info" });
  let parts: ReturnType<typeof composeAgent> | undefined;
  const app = createApp({ connected: true, leader: true, namespace, identity: "test" }, { metrics: { registry: metrics.registry } });
  const probes = await serve(app.fetch, "127.0.0.1", 0);
  const server = await serve(createArtifactApp({ get: (p) => parts!.store.get(p) }).fetch, "127.0.0.1", 0);
  parts = composeAgent({ storagePath, storageBaseUrl: `http://127.0.0.1:${server.port}`, metrics, healthPollMs: 500, ...extra });
  const events = createEventRecorder({
    client,
    controllerFor: (o) => (o.apiVersion.startsWith("kustomize.") ? "kustomize-controller" : o.apiVersion.startsWith("helm.") ? "helm-controller" : "source-controller"),
    instance: "test",
    log,
    notify: (e) => void notifications?.submit(e),
  });
  const manager = new Manager(parts.reconcilers, { client, namespace, log, events, metrics });
  const notifications = extra.notifications
    ? new NotificationController({ client, namespace, log, events, fetchFor: (p) => createFetch(p.tls, p.proxy), lookup: (a, k, n) => manager.cached(a, k, n), metrics, notifyMetrics: notifyMetricsOf(metrics) })
    : undefined;
  const ac = new AbortController();
  const done = Promise.all([manager.run(ac.signal), notifications?.run(ac.signal)]);
  await Promise.all([...manager.controllers.map((c) => c.synced()), notifications?.synced()]);
  return {
    server,
    probes,
    manager,
    metrics,
    notifications,
    logs,
    async stop() {
      ac.abort();
      await done;
      await server.close();
      await probes.close();
    },
  };
}
