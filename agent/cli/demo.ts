/**
 * `rivulet demo`: the agent's main job on an embedded default. Starts a local control plane, installs
 * the CRDs and a tenant namespace with namespaced RBAC only, serves the sample repository in
 * examples/demo-app from a local git server, creates a GitRepository and two Kustomizations (one
 * depending on the other, with a health check), runs the agent as the tenant's ServiceAccount and shows
 * it converge; a HelmRelease waits for the infra Kustomization, then installs examples/demo-chart from a
 * local chart repository; then commits a change and a deletion and shows the change applied and the
 * object pruned.
 * Stops everything on Ctrl-C (or after --exit-after seconds) and leaves no processes behind.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { createHttpClient } from "../kube/http-client.ts";
import type { KubeObject } from "../kube/types.ts";
import { installTenant, kubeconfigForToken, serviceAccountToken, TENANT_FILES } from "../kube/tenant-install.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { connect } from "../runtime/kube-transport.ts";
import { startLocalControlPlane } from "../devtools/local-control-plane.ts";
import { startGitServer, type GitServer } from "../devtools/git-http-server.ts";
import { startStaticServer, type StaticServer } from "../devtools/static-http-server.ts";
import { pack } from "../artifact/pack.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { emitYaml } from "../yaml/emit.ts";
import type { KubeClient } from "../kube/client.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FM = "rivulet-demo";

const HELP = `Usage: rivulet demo [flags]

Runs rivulet end to end on this machine: a real local Kubernetes control plane (built once from
Debian's source and cached), rivulet's CRDs, a tenant namespace with the namespaced RBAC of
deploy/tenant/, a local git server with the sample app in examples/demo-app, a local Helm chart
repository with examples/demo-chart, and the agent running as that tenant: it converges (the
HelmRelease waits for the infra Kustomization), then a commit changes one object and deletes another,
and the agent applies and prunes. Needs root on first use (apt, git) and about 600 MB of memory.

Flags:
      --namespace NS       tenant namespace to create (default demo)
      --exit-after SECS    stop by itself after SECS seconds (default: run until Ctrl-C)
  -h, --help               show this help`;

export const demoCommand: Command = {
  path: ["demo"],
  summary: "Run the agent as a tenant on an embedded local control plane",
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { namespace: { type: "string", default: "demo" }, "exit-after": { type: "string" } },
    });
    const ns = values.namespace!;
    const say = (s: string) => io.err(`[demo] ${s}`);
    const t0 = Date.now();
    say("starting a local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)");
    const cp = await startLocalControlPlane({ log: (l) => say(`  ${l}`) });
    let agentExit: Promise<number> | undefined;
    let git: GitServer | undefined;
    let charts: StaticServer | undefined;
    let agentKill: (() => void) | undefined;
    try {
      say(`control plane ready in ${((Date.now() - t0) / 1000).toFixed(1)}s at ${cp.server}`);
      const admin = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });

      const crdFiles = readdirSync(join(root, "crds")).filter((f) => f.endsWith(".yaml"));
      for (const f of crdFiles) {
        for (const crd of parseDocuments(readFileSync(join(root, "crds", f), "utf8"), f) as KubeObject[]) {
          await admin.apply(crd, { fieldManager: FM, force: true });
        }
      }
      say(`installed ${crdFiles.length} CRDs from crds/`);

      const docs = TENANT_FILES.flatMap((f) => parseDocuments(readFileSync(join(root, "deploy", "tenant", f), "utf8"), f)) as KubeObject[];
      const applied = await installTenant(admin, ns, docs, FM);
      say(`tenant namespace "${ns}": ${applied.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
      const token = await serviceAccountToken(admin, ns, "rivulet", FM);
      const base = parseDocuments(readFileSync(cp.admin.kubeconfig, "utf8"))[0] as Parameters<typeof kubeconfigForToken>[0];
      const tenantKubeconfig = join(cp.dir, "tenant.kubeconfig");
      writeFileSync(tenantKubeconfig, kubeconfigForToken(base, "rivulet", token, ns));

      say(`starting the agent as system:serviceaccount:${ns}:rivulet (no cluster-wide rights)`);
      const child = spawn(process.execPath, [join(root, "agent", "main.ts"), "run", "--kubeconfig", tenantKubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      agentKill = () => child.kill("SIGTERM");
      agentExit = new Promise((res) => child.on("exit", (c) => res(c ?? 1)));
      child.stdout!.on("data", (d: Uint8Array) => String(d).split("\n").filter(Boolean).forEach((l) => io.out(l)));
      child.stderr!.on("data", (d: Uint8Array) => String(d).split("\n").filter(Boolean).forEach((l) => io.err(`[agent] ${l}`)));

      say("serving examples/demo-app from a local git server");
      git = await startGitServer();
      const c1 = await git.createRepo("demo-app", filesOf(join(root, "examples", "demo-app")), { branch: "main", message: "demo app" });
      const src = { kind: "GitRepository", name: "demo-app" };
      const objects = [
        { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "demo-app", namespace: ns }, spec: { interval: "1m", url: git.url("demo-app"), ref: { branch: "main" } } },
        { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "infra", namespace: ns }, spec: { interval: "5m", path: "./infra", prune: true, sourceRef: src } },
        {
          apiVersion: "kustomize.toolkit.fluxcd.io/v1",
          kind: "Kustomization",
          metadata: { name: "apps", namespace: ns },
          spec: { interval: "5m", path: "./apps", prune: true, sourceRef: src, dependsOn: [{ name: "infra" }], healthChecks: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web" }], timeout: "2m" },
        },
      ];
      for (const o of objects) await admin.apply(o, { fieldManager: FM });
      say(`created GitRepository/${ns}/demo-app, Kustomization/${ns}/infra and Kustomization/${ns}/apps (apps depends on infra and health-checks Deployment/web)`);
      await waitApplied(admin, ns, ["infra", "apps"], `main@sha1:${c1}`, say, io.signal);
      await showObjects(admin, ns, say);

      charts = await serveDemoChart(join(root, "examples", "demo-chart"));
      const helm = [
        { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", metadata: { name: "demo-charts", namespace: ns }, spec: { interval: "10m", url: charts.url } },
        {
          apiVersion: "helm.toolkit.fluxcd.io/v2",
          kind: "HelmRelease",
          metadata: { name: "greeter", namespace: ns },
          spec: { interval: "5m", dependsOn: [{ name: "infra" }], chart: { spec: { chart: "greeter", version: "0.1.x", sourceRef: { kind: "HelmRepository", name: "demo-charts" } } }, values: { greeting: "hello from a HelmRelease" } },
        },
      ];
      for (const o of helm) await admin.apply(o, { fieldManager: FM });
      say(`served examples/demo-chart at ${charts.url}; created HelmRepository/${ns}/demo-charts and HelmRelease/${ns}/greeter (depends on Kustomization infra)`);
      await waitReleased(admin, ns, "greeter", say, io.signal);

      say("committing a change: banner text to \"version 2\" and service.yaml removed from apps/");
      const kust = readFileSync(join(root, "examples", "demo-app", "apps", "kustomization.yaml"), "utf8").replace("  - service.yaml\n", "");
      const c2 = await git.commit("demo-app", { "apps/banner.yaml": readFileSync(join(root, "examples", "demo-app", "apps", "banner.yaml"), "utf8").replace("version 1", "version 2"), "apps/service.yaml": null, "apps/kustomization.yaml": kust }, "v2: new banner, no service", { branch: "main" });
      // The GitRepository polls every minute; ask for a reconcile now, as `rivulet reconcile source git` does.
      await admin.patch({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: ns, name: "demo-app" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
      await waitApplied(admin, ns, ["infra", "apps"], `main@sha1:${c2}`, say, io.signal);
      await showObjects(admin, ns, say);

      const exitAfter = values["exit-after"] ? Number(values["exit-after"]) * 1000 : undefined;
      say(exitAfter ? `converged; running for ${exitAfter / 1000}s more` : "converged; the agent keeps reconciling. Press Ctrl-C to stop");
      await new Promise<void>((res) => {
        io.signal.addEventListener("abort", () => res(), { once: true });
        agentExit!.then(() => res());
        if (exitAfter) setTimeout(res, exitAfter);
      });
      return 0;
    } finally {
      say("stopping the agent and the control plane");
      agentKill?.();
      if (agentExit) await agentExit;
      await git?.stop();
      await charts?.stop();
      await cp.stop();
      say("stopped; no processes left behind");
    }
  },
};

/** The files of a directory as the git server's createRepo takes them. */
function filesOf(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, filesOf(p, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(p, "utf8");
  }
  return out;
}

type Cond = { type: string; status: string; reason?: string; message?: string };

/** Waits until every named Kustomization has applied `revision`, printing each state change once. */
async function waitApplied(client: KubeClient, ns: string, names: string[], revision: string, say: (s: string) => void, signal: AbortSignal): Promise<void> {
  const last = new Map<string, string>();
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline && !signal.aborted) {
    let done = 0;
    for (const name of names) {
      const k = await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name });
      const st = (k?.status ?? {}) as { conditions?: Cond[]; lastAppliedRevision?: string };
      const ready = st.conditions?.find((c) => c.type === "Ready");
      const line = ready ? `${ready.status === "True" ? "✔" : ready.status === "False" ? "✗" : "◎"} Kustomization/${ns}/${name}: ${ready.message}` : `◎ Kustomization/${ns}/${name}: waiting`;
      if (last.get(name) !== line) say(line);
      last.set(name, line);
      if (ready?.status === "True" && st.lastAppliedRevision === revision) done++;
    }
    if (done === names.length) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!signal.aborted) throw new Error(`Cannot finish the demo: ${names.join(", ")} did not apply ${revision} within 5 minutes; see the agent's log above`);
}

async function showObjects(client: KubeClient, ns: string, say: (s: string) => void): Promise<void> {
  const lines: string[] = [];
  for (const [apiVersion, kind] of [["v1", "ConfigMap"], ["v1", "ServiceAccount"], ["v1", "Service"], ["apps/v1", "Deployment"]] as const) {
    const list = await client.list({ apiVersion, kind, namespace: ns }, { labelSelector: "kustomize.toolkit.fluxcd.io/namespace" });
    for (const o of list.items) {
      const extra = kind === "ConfigMap" && o.metadata.name === "banner" ? ` (text: ${(o.data as { text: string }).text})` : "";
      lines.push(`${kind}/${o.metadata.name}${extra}`);
    }
  }
  say(`objects managed by rivulet in ${ns}: ${lines.join(", ")}`);
}

/** A Helm chart repository for the chart directory: index.yaml and its one packaged version. */
async function serveDemoChart(dir: string): Promise<StaticServer> {
  const files = filesOf(dir);
  const meta = parseDocuments(files["Chart.yaml"]!, "Chart.yaml")[0] as { name: string; version: string; appVersion?: string; description?: string };
  // `helm package` puts the chart under a top-level directory named after it.
  const tgz = (await pack(textFileTree(Object.fromEntries(Object.entries(files).map(([p, t]) => [`${meta.name}/${p}`, t]))))).bytes;
  const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", tgz))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const file = `${meta.name}-${meta.version}.tgz`;
  const created = new Date().toISOString();
  const index = emitYaml({
    apiVersion: "v1",
    entries: { [meta.name]: [{ apiVersion: "v2", name: meta.name, version: meta.version, appVersion: meta.appVersion, description: meta.description, created, digest: hex, urls: [file] }] },
    generated: created,
  });
  return startStaticServer({ "/index.yaml": { body: index, type: "application/x-yaml" }, [`/${file}`]: { body: tgz, type: "application/gzip" } });
}

/** Waits until the HelmRelease is Ready, printing each state change once, then shows what it made. */
async function waitReleased(client: KubeClient, ns: string, name: string, say: (s: string) => void, signal: AbortSignal): Promise<void> {
  let last = "";
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline && !signal.aborted) {
    const hr = await client.get({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: ns, name });
    const ready = ((hr?.status ?? {}) as { conditions?: Cond[] }).conditions?.find((c) => c.type === "Ready");
    const line = ready ? `${ready.status === "True" ? "✔" : ready.status === "False" ? "✗" : "◎"} HelmRelease/${ns}/${name}: ${ready.message}` : `◎ HelmRelease/${ns}/${name}: waiting`;
    if (line !== last) say(line);
    last = line;
    if (ready?.status === "True") {
      const cm = await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });
      say(`  ConfigMap/${ns}/${name}: ${JSON.stringify(cm?.data ?? {})}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!signal.aborted) throw new Error(`Cannot finish the demo: HelmRelease/${ns}/${name} was not Ready within 5 minutes; see the agent's log above`);
}
