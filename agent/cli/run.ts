/**
 * `rivulet run`: the agent process for one namespace. Connects, checks its access, serves /healthz and
 * /readyz, takes the leader Lease, and while leading runs the reconcilers (later stages plug in behind
 * onStartedLeading). Exits 0 on SIGTERM/SIGINT after releasing the Lease.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { createLogger, type Level } from "../core/logger.ts";
import { AGENT_PERMISSIONS, describePermission, missingPermissions } from "../kube/access-check.ts";
import { createHttpClient } from "../kube/http-client.ts";
import { runLeaderElection } from "../kube/leader-election.ts";
import { watchLoop } from "../kube/watch-loop.ts";
import { formatRef } from "../core/ref.ts";
import { createApp, type AgentState } from "../http/app.ts";
import { connect } from "../runtime/kube-transport.ts";
import { serve } from "../runtime/serve.ts";

const HELP = `Usage: rivulet run --namespace NS [flags]

Runs the agent for one namespace: it reconciles the Flux objects (GitRepository, Kustomization, ...) in
NS with the permissions of its own identity, which needs only the namespaced Role in deploy/tenant/.

Flags:
  -n, --namespace NS        namespace to serve (default: the kubeconfig context's, or in-cluster namespace)
      --kubeconfig FILE     kubeconfig to use (default: KUBECONFIG, ~/.kube/config, then in-cluster)
      --context NAME        kubeconfig context to use
      --health-addr ADDR    host:port for /healthz and /readyz (default 0.0.0.0:9440; port 0 picks one)
      --leader-elect        hold a coordination.k8s.io/v1 Lease so only one replica acts (default true;
                            --no-leader-elect to disable)
      --lease-name NAME     name of the Lease (default rivulet)
      --identity ID         this replica's identity in the Lease (default hostname plus a random suffix)
      --log-level LEVEL     debug, info or error (default info)
  -h, --help                show this help`;

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
        "health-addr": { type: "string", default: "0.0.0.0:9440" },
        "leader-elect": { type: "boolean", default: true },
        "lease-name": { type: "string", default: "rivulet" },
        identity: { type: "string" },
        "log-level": { type: "string", default: "info" },
      },
    });
    const level = values["log-level"] as Level;
    if (!["debug", "info", "error"].includes(level)) throw new UsageError(`--log-level must be debug, info or error, not "${level}"`);
    const addr = parseAddr(values["health-addr"]!);
    const log = createLogger(io.out, { level });

    const conn = connect({ kubeconfig: values.kubeconfig, context: values.context });
    const namespace = values.namespace ?? conn.namespace ?? readInClusterNamespace();
    if (!namespace) throw new UsageError("no namespace: pass --namespace, or use a kubeconfig context that names one");
    const identity = values.identity ?? `${hostname()}-${Math.random().toString(36).slice(2, 8)}`;

    let requests = 0;
    const client = createHttpClient({ transport: conn.transport, onRequest: () => requests++ });
    const version = (await client.raw("GET", "/version")) as { gitVersion?: string };
    const missing = await missingPermissions(client, namespace, AGENT_PERMISSIONS);
    if (missing.length) {
      throw new Error(
        `Cannot run in namespace ${namespace}: the identity of context "${conn.context}" may not ${missing.map(describePermission).join(", ")}; apply deploy/tenant/ in that namespace and bind it to this identity`,
      );
    }
    log.info("connected", { server: conn.server, kubernetes: version.gitVersion, namespace, identity });

    const state: AgentState = { connected: true, leader: !values["leader-elect"], namespace, identity };
    const server = await serve(createApp(state).fetch, addr.host, addr.port);
    log.info("serving health probes", { addr: `${addr.host}:${server.port}`, paths: ["/healthz", "/readyz"] });

    const startReconcilers = (leading: AbortSignal) => {
      state.leader = true;
      // Until the reconcilers land, the agent keeps a live view of the objects it will own.
      for (const ref of [
        { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace },
        { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace },
      ]) {
        void watchLoop(client, ref, {
          signal: leading,
          onSync: (items) => log.info("listed objects", { kind: ref.kind, count: items.length }),
          onEvent: (ev) => log.info("observed change", { object: formatRef(ev.object), event: ev.type }),
          onError: (err, attempt, retryInMs) => log.error("watch failed, retrying", { kind: ref.kind, attempt, retryInMs, error: err }),
        });
      }
    };

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
    await server.close();
    log.info("stopped", { reason: String((io.signal.reason as Error)?.message ?? "signal"), apiRequests: requests });
    return 0;
  },
};

function parseAddr(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(":");
  const port = Number(s.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--health-addr must be host:port, not "${s}"`);
  return { host: s.slice(0, i) || "0.0.0.0", port };
}

function readInClusterNamespace(): string | undefined {
  try {
    return readFileSync(IN_CLUSTER_NS, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
