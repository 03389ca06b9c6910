/**
 * `rivulet run`: the agent process for one namespace, or with --tenants the host of many. Connects,
 * checks its access, serves /healthz and /readyz, takes the leader Lease, and while leading runs the
 * reconcilers: one tenant's agent (tenant-agent.ts) or every tenant of the file (tenant-host.ts), each
 * with its own credentials. Exits 0 on SIGTERM/SIGINT after releasing the Lease.
 */
import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { createLogger, type Level } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import { AGENT_PERMISSIONS, describePermission, missingPermissions } from "../kube/access-check.ts";
import { createHttpClient, resourceOfPath } from "../kube/http-client.ts";
import { runLeaderElection } from "../kube/leader-election.ts";
import { createApp, type AgentState } from "../http/app.ts";
import { createArtifactApp } from "../http/artifact-app.ts";
import { listenerLayout, type ListenerName } from "./listeners.ts";
import { createWebhookApp, type WebhookPort } from "../http/webhook-routes.ts";
import { agentMetrics, Counter } from "../http/metrics.ts";
import type { StatusSnapshot } from "../status/status-snapshot.ts";
import type { FluxEvent } from "../notify/flux-event.ts";
import { createEventApp } from "../http/event-app.ts";
import { checkAccess, TenantAgent, type TenantAgentOptions } from "./tenant-agent.ts";
import { TenantHost, tenantSlotLimit } from "./tenant-host.ts";
import { FairShare } from "../reconcile/fair-share.ts";
import { tenantClient } from "./tenant-connect.ts";
import { parseTenantsFile } from "./tenants-file.ts";
import { connect } from "../runtime/kube-transport.ts";
import { serve } from "../runtime/serve.ts";
import { startMemoryTrim } from "../runtime/memory-trim.ts";
import { LIMIT_HELP, LIMIT_OPTIONS, limitsOf } from "./limit-flags.ts";
import { parseDuration } from "../core/duration.ts";

const HELP = `Usage: rivulet run --namespace NS [flags]
       rivulet run --namespace HOST_NS --tenants FILE [flags]

Runs the agent for one namespace: it reconciles the Flux objects (GitRepository, Kustomization, ...) in
NS with the permissions of its own identity, which needs only the namespaced Role in deploy/tenant/.

With --tenants, one process hosts many tenants' namespaces: each is reconciled with its own credentials
(a ServiceAccount token the host mints through the TokenRequest API, the tenant's kubeconfig, or a token
file), its own queues, caches and artifact store (under --storage-path/NAMESPACE). HOST_NS holds the one
leader Lease; the host's identity needs only that Lease and create serviceaccounts/token in each tenant
namespace (deploy/host/). A tenant that cannot start is logged, shown on /readyz and in
rivulet_tenant_ready, and retried with backoff while the others run. FILE is re-read every 5s: a removed
tenant stops, an added one starts, the others are left alone. README "Many tenants in one process".

Flags:
  -n, --namespace NS        namespace to serve (default: the kubeconfig context's, or in-cluster namespace)
      --kubeconfig FILE     kubeconfig to use (default: KUBECONFIG, ~/.kube/config, then in-cluster)
      --context NAME        kubeconfig context to use
      --health-addr ADDR    host:port for /healthz, /readyz and /metrics (default 0.0.0.0:9440; port 0
                            picks one)
      --storage-addr ADDR   host:port serving the stored artifacts (default 127.0.0.1:9090: only the
                            pod itself; 0.0.0.0:9090 lets tools in the namespace fetch status.artifact.url,
                            with deploy/tenant/network-policy.yaml keeping other namespaces out)
      --leader-elect        hold a coordination.k8s.io/v1 Lease so only one replica acts (default true;
                            --no-leader-elect to disable)
      --lease-name NAME     name of the Lease (default rivulet)
      --identity ID         this replica's identity in the Lease (default hostname plus a random suffix)
      --storage-path DIR    where artifacts are stored (default $XDG_CACHE_HOME or ~/.cache, then
                            rivulet/storage/NS); keep it on a volume so restarts reuse artifacts; with
                            --tenants each tenant's under DIR/NAMESPACE (default .../rivulet/storage)
      --storage-adv-addr URL  base URL written to status.artifact.url (default http://localhost:PORT
                            of --storage-addr)
      --receiver-addr ADDR  host:port serving Receiver webhooks (/hook/...) on their own (default: on
                            --health-addr); answers counted in rivulet_receiver_requests_total
      --events-addr URL     also post events to a Flux notification-controller at URL
      --notification-addr ADDR  host:port of the event address: POST / of a Flux event goes through the
                            namespace's Alerts, as notification-controller's event server (default off)
      --rate-limit-interval DUR  drop an event identical to one let through within DUR (default 5m)
      --concurrent N        objects reconciled at once per kind (default 4)
      --watch-label-selector SEL  only reconcile objects matching SEL (Flux's sharding label)
      --default-service-account NAME  ServiceAccount to impersonate for Kustomizations that name none
      --allow-cluster-kinds KINDS  comma-separated cluster-scoped kinds tenants may apply (default none)
      --allow-namespaces NS  comma-separated namespaces besides its own that a HelmRelease may install into
                            (targetNamespace) and store its release in (storageNamespace); the release's
                            identity still needs a Role there (default none)
      --allow-cluster-lookup  Helm templates may lookup other namespaces and cluster-scoped kinds, as far
                            as the release's identity may read them (default: the release's namespace only)
      --field-manager NAME  server-side apply field manager (default kustomize-controller)
      --strict-substitution  an undefined post-build variable without a default fails the build
${LIMIT_HELP}
      --status-page         serve a read-only status page at /status/ on --health-addr: every source,
                            Kustomization, HelmRelease and image policy with its readiness, revision and
                            message, inventories and the last events, updated live (default off)
      --gc-interval DUR     while the agent is busy, collect garbage this often so memory is returned
                            after bursts (default 2s; 0 disables; no collections while idle)
      --tenants FILE        host the tenants listed in FILE (apiVersion: rivulet.dev/v1alpha1, kind:
                            TenantList); --concurrent is each tenant's default, a tenant's concurrent: its own
      --max-concurrent N    with --tenants: reconciles running at once in the whole process, shared round
                            robin between tenants with waiting work; each tenant holds at most twice its
                            concurrent and never more than half of N (default 4 x --concurrent)
      --log-level LEVEL     debug, info or error (default info)
  -h, --help                show this help`;

/** A comma-separated flag value as a list, blanks dropped. */
function commaList(value: string | undefined): string[] | undefined {
  return value?.split(",").map((k) => k.trim()).filter(Boolean);
}

const IN_CLUSTER_NS = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export const runCommand: Command = {
  path: ["run"],
  summary: "Run the agent for one namespace",
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      allowNegative: true,
      options: {
        namespace: { type: "string", short: "n" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        "health-addr": { type: "string" },
        "storage-addr": { type: "string" },
        "leader-elect": { type: "boolean", default: true },
        "lease-name": { type: "string", default: "rivulet" },
        identity: { type: "string" },
        "log-level": { type: "string", default: "info" },
        "storage-path": { type: "string" },
        "storage-adv-addr": { type: "string" },
        "events-addr": { type: "string" },
        "notification-addr": { type: "string" },
        "rate-limit-interval": { type: "string", default: "5m" },
        "receiver-addr": { type: "string" },
        concurrent: { type: "string", default: "4" },
        "max-concurrent": { type: "string" },
        "watch-label-selector": { type: "string" },
        "default-service-account": { type: "string" },
        "allow-cluster-kinds": { type: "string" },
        "allow-namespaces": { type: "string" },
        "allow-cluster-lookup": { type: "boolean", default: false },
        "field-manager": { type: "string" },
        "strict-substitution": { type: "boolean", default: false },
        "gc-interval": { type: "string", default: "2s" },
        ...LIMIT_OPTIONS,
        "status-page": { type: "boolean", default: false },
        tenants: { type: "string" },
      },
    });
    const level = values["log-level"] as Level;
    if (!["debug", "info", "error"].includes(level)) throw new UsageError(`--log-level must be debug, info or error, not "${level}"`);
    const listeners = listenerLayout({ healthAddr: values["health-addr"], storageAddr: values["storage-addr"], receiverAddr: values["receiver-addr"], notificationAddr: values["notification-addr"] });
    const addrOf = (name: ListenerName) => listeners.find((l) => l.name === name)!;
    const log = createLogger(io.out, { level });

    // The tenants file is checked before anything connects: a bad entry needs no cluster to be named.
    const tenantsFile = values.tenants;
    const readTenants = tenantsFile ? () => parseTenantsFile(readTenantsText(tenantsFile), tenantsFile, dirname(resolve(tenantsFile))) : undefined;
    const tenants = readTenants?.();
    const conn = connect({ kubeconfig: values.kubeconfig, context: values.context });
    const namespace = values.namespace ?? conn.namespace ?? readInClusterNamespace();
    if (!namespace) throw new UsageError("no namespace: pass --namespace, or use a kubeconfig context that names one");
    const identity = values.identity ?? `${hostname()}-${Math.random().toString(36).slice(2, 8)}`;

    const concurrency = Number(values.concurrent);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrent must be a whole number of at least 1, not "${values.concurrent}"`);
    const slots = Number(values["max-concurrent"] ?? 4 * concurrency);
    if (!Number.isInteger(slots) || slots < 1) throw new UsageError(`--max-concurrent must be a whole number of at least 1, not "${values["max-concurrent"]}"`);
    const gcInterval = gcIntervalOf(values["gc-interval"]!);
    const rateLimitIntervalMs = durationFlag("rate-limit-interval", values["rate-limit-interval"]!);
    const { limits, buildMemory } = limitsOf(values);
    let requests = 0;
    const metrics = agentMetrics({ rss: () => process.memoryUsage().rss });
    const countRequest = (verb: string, path: string) => {
      requests++;
      metrics.apiRequests.inc({ verb });
      metrics.apiRequestsByResource.inc({ verb, resource: resourceOfPath(path) });
    };
    const client = createHttpClient({ transport: conn.transport, onRequest: countRequest });
    const version = (await client.raw("GET", "/version")) as { gitVersion?: string };
    // A host reconciles nothing with its own identity: it needs only its Lease (and to mint tenants' tokens).
    if (tenants) await checkHostAccess(client, namespace, conn.context, values["leader-elect"]!);
    else await checkAccess(client, namespace, `context "${conn.context}"`);
    log.info("connected", { server: conn.server, kubernetes: version.gitVersion, namespace, identity, ...(tenants ? { tenants: tenants.map((t) => t.namespace) } : {}) });

    const state: AgentState = { connected: true, leader: !values["leader-elect"], namespace, identity };
    const storageRoot = values["storage-path"] ?? join(io.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "rivulet", "storage", ...(tenants ? [] : [namespace]));
    const agentOptions = (ns: string, tenantClient: KubeClient, storagePath: string, storageBaseUrl: string, tenantConcurrency: number): TenantAgentOptions => ({
      namespace: ns,
      client: tenantClient,
      log: tenants ? log.with({ tenant: ns }) : log,
      metrics,
      identity,
      concurrency: tenantConcurrency,
      labelSelector: values["watch-label-selector"],
      eventsAddr: values["events-addr"],
      rateLimitIntervalMs,
      statusPage: values["status-page"],
      compose: {
        storagePath,
        storageBaseUrl,
        metrics,
        fieldManager: values["field-manager"],
        defaultServiceAccount: values["default-service-account"],
        allowedClusterKinds: commaList(values["allow-cluster-kinds"]),
        allowedNamespaces: commaList(values["allow-namespaces"]),
        allowClusterLookup: values["allow-cluster-lookup"],
        strictSubstitution: values["strict-substitution"],
        limits,
        buildMemory,
      },
    });

    // What the listeners serve: one tenant's agent, or the host routing to many. The store's base URL
    // needs the artifact listener's bound port, so the listeners come first and the agents after.
    let served: Served | undefined;
    const hookCalls = metrics.registry.register(new Counter("rivulet_receiver_requests_total", "Receiver webhook calls answered, by status code."));
    const hooks = { port: { handle: (path: string, req: { headers: Headers; body: Uint8Array }) => served!.hooks.handle(path, req) }, log: log.with({ logger: "receiver-server" }), onAnswer: (code: number) => hookCalls.inc({ code: String(code) }) };
    const statusPage = values["status-page"] ? { port: { snapshot: () => served!.snapshot() } } : undefined;
    const app = createApp(state, { metrics: { registry: metrics.registry, beforeRender: () => served?.updateMetrics() }, webhooks: values["receiver-addr"] ? undefined : hooks, statusPage, readyDetail: () => served?.readyDetail?.() });
    const probes = addrOf("probes");
    const server = await serve(app.fetch, probes.host, probes.port);
    const storage = addrOf("artifacts");
    const artifactServer = await serve(createArtifactApp({ get: (path) => served!.artifact(path) }).fetch, storage.host, storage.port);
    const baseUrl = values["storage-adv-addr"] ?? `http://localhost:${artifactServer.port}`;
    if (tenants) {
      const host = new TenantHost(tenants, {
        log: log.with({ logger: "tenant-host" }),
        metrics,
        fairShare: { share: new FairShare({ slots }), limitOf: (e) => tenantSlotLimit(e.concurrent ?? concurrency, slots) },
        async startTenant(entry, ctx) {
          const { client: own, who } = await tenantClient(entry, {
            kubeconfig: values.kubeconfig,
            context: values.context,
            hostClient: client,
            onRequest: (verb, path) => {
              countRequest(verb, path);
              ctx.onRequest(verb);
            },
            report: ctx.report,
          });
          await checkAccess(own, entry.namespace, who);
          return new TenantAgent({ ...agentOptions(entry.namespace, own, join(storageRoot, entry.namespace), baseUrl, entry.concurrent ?? concurrency), gate: ctx.gate });
        },
      });
      served = {
        artifact: (path) => host.artifact(path),
        hooks: host.hooks,
        snapshot: () => host.snapshot(namespace),
        submit: (e) => host.submit(e),
        updateMetrics: () => host.updateMetrics(),
        readyDetail: () => ({ tenants: host.readiness() }),
        evictions: () => host.evictions(),
        start: (leading) => host.start(leading),
      };
      void host.watchFile(readTenants!, io.signal);
    } else {
      const agent = new TenantAgent(agentOptions(namespace, client, storageRoot, baseUrl, concurrency));
      served = {
        artifact: (path) => agent.parts.store.get(path),
        hooks: agent.hooks,
        snapshot: () => agent.snapshot(),
        submit: (e) => agent.notify.submit(e),
        updateMetrics: () => agent.manager?.updateMetrics(metrics),
        evictions: () => agent.parts.cache.evictions,
        start: (leading) => void agent.start(leading),
      };
    }
    log.info("serving probes and metrics", { addr: `${probes.host}:${server.port}`, paths: [...probes.paths, ...(statusPage ? ["/status/"] : [])] });
    log.info("serving artifacts", { addr: `${storage.host}:${artifactServer.port}`, storagePath: storageRoot, storageUrl: baseUrl });

    const eventAddr = listeners.find((l) => l.name === "events");
    const eventServer = eventAddr ? await serve(createEventApp({ submit: (e) => served!.submit(e), onError: (m) => log.info(m) }).fetch, eventAddr.host, eventAddr.port) : undefined;
    if (eventServer) log.info("serving the event address", { addr: `${values["notification-addr"]}`, port: eventServer.port });
    const hookAddr = listeners.find((l) => l.name === "receivers");
    const hookServer = hookAddr && (await serve(createWebhookApp(hooks.port, hooks).fetch, hookAddr.host, hookAddr.port));
    if (hookServer) log.info("serving Receiver webhooks", { addr: `${hookAddr!.host}:${hookServer.port}` });
    const startReconcilers = (leading: AbortSignal) => {
      state.leader = true;
      served!.start(leading);
    };

    // Cache evictions count as work: the trees they drop are returned by the collection that follows.
    const stopTrim = startMemoryTrim({ activity: () => requests + served!.evictions(), intervalMs: gcInterval });
    const stopped = new Promise<void>((res) => io.signal.addEventListener("abort", () => res(), { once: true }));
    if (values["leader-elect"]) {
      const election = runLeaderElection(client, {
        namespace,
        name: values["lease-name"]!,
        identity,
        signal: io.signal,
        log: log.with({ logger: "leader-election" }),
        onStartedLeading: startReconcilers,
        onStoppedLeading: () => (state.leader = false),
      });
      await stopped;
      await election;
    } else {
      const all = new AbortController();
      startReconcilers(all.signal);
      await stopped;
      all.abort();
    }
    stopTrim();
    await server.close();
    await artifactServer.close();
    await eventServer?.close();
    await hookServer?.close();
    log.info("stopped", { reason: String((io.signal.reason as Error)?.message ?? "signal"), apiRequests: requests });
    return 0;
  },
};

/** What the listeners and the leader loop reach: one tenant's agent, or a host of many. */
interface Served {
  artifact(path: string): Promise<Uint8Array | undefined>;
  hooks: WebhookPort;
  snapshot(): StatusSnapshot;
  submit(e: FluxEvent): Promise<"duplicate" | "unmatched" | "dispatched">;
  updateMetrics(): void;
  readyDetail?(): Record<string, unknown>;
  evictions(): number;
  start(leading: AbortSignal): void;
}

/** The host's own identity needs only its Lease in its namespace (tenants' rights are checked per tenant). */
async function checkHostAccess(client: KubeClient, namespace: string, context: string, leaderElect: boolean): Promise<void> {
  if (!leaderElect) return;
  // The election renews with server-side apply (patch) besides get/create/update.
  const lease = [...AGENT_PERMISSIONS.filter((p) => p.resource === "leases"), { verb: "patch", group: "coordination.k8s.io", resource: "leases" }];
  const missing = await missingPermissions(client, namespace, lease);
  if (missing.length) {
    throw new Error(`Cannot host tenants from namespace ${namespace}: the identity of context "${context}" may not ${missing.map(describePermission).join(", ")}; apply deploy/host/ and bind it to this identity`);
  }
}

function readTenantsText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`Cannot read the tenants file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function readInClusterNamespace(): string | undefined {
  try {
    return readFileSync(IN_CLUSTER_NS, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

function durationFlag(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--${flag} must be a duration such as 5m, not "${text}"`);
  }
}

function gcIntervalOf(text: string): number {
  if (text === "0") return 0;
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`--gc-interval must be a duration such as 2s or 0, not "${text}"`);
  }
}
