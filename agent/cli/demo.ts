/**
 * `rivulet demo`: the agent's main job on an embedded default. Starts a local control plane, installs
 * the CRDs and a tenant namespace with namespaced RBAC only, and runs the agent as that tenant's
 * ServiceAccount, showing its log. Stops everything on Ctrl-C (or after --exit-after seconds).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
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
import { startLocalControlPlane } from "../runtime/local-control-plane.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const FM = "rivulet-demo";

const HELP = `Usage: rivulet demo [flags]

Runs rivulet end to end on this machine: a real local Kubernetes control plane (built once from
Debian's source and cached), rivulet's CRDs, a tenant namespace with the namespaced RBAC of
deploy/tenant/, and the agent running as that tenant. Needs root on first use (apt) and ~600 MB RAM.

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
      const child = spawn(process.execPath, [join(root, "agent", "main.ts"), "run", "--kubeconfig", tenantKubeconfig, "--health-addr", "127.0.0.1:0"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      agentKill = () => child.kill("SIGTERM");
      agentExit = new Promise((res) => child.on("exit", (c) => res(c ?? 1)));
      child.stdout!.on("data", (d: Uint8Array) => String(d).split("\n").filter(Boolean).forEach((l) => io.out(l)));
      child.stderr!.on("data", (d: Uint8Array) => String(d).split("\n").filter(Boolean).forEach((l) => io.err(`[agent] ${l}`)));

      const objects = [
        {
          apiVersion: "source.toolkit.fluxcd.io/v1",
          kind: "GitRepository",
          metadata: { name: "podinfo", namespace: ns },
          spec: { interval: "1m", url: "http://127.0.0.1:1/podinfo.git", ref: { branch: "main" } },
        },
        {
          apiVersion: "kustomize.toolkit.fluxcd.io/v1",
          kind: "Kustomization",
          metadata: { name: "podinfo", namespace: ns },
          spec: { interval: "5m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "podinfo" } },
        },
      ];
      await new Promise((r) => setTimeout(r, 1500));
      for (const o of objects) await admin.apply(o, { fieldManager: FM });
      say(`created ${objects.map((o) => `${o.kind}/${ns}/${o.metadata.name}`).join(" and ")}; the agent's log above shows it sees them`);

      const exitAfter = values["exit-after"] ? Number(values["exit-after"]) * 1000 : undefined;
      say(exitAfter ? `running for ${exitAfter / 1000}s` : "running; press Ctrl-C to stop");
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
      await cp.stop();
      say("stopped; no processes left behind");
    }
  },
};
