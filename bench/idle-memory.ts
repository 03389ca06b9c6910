/**
 * Idle memory of the agent, alone and as one of several tenants' agents on a node: starts AGENTS (default 3)
 * `rivulet run` processes, each for its own tenant namespace with deploy/tenant/'s namespaced RBAC, on the
 * local control plane, waits until they idle (no Flux objects yet), and reads /proc/PID/smaps_rollup:
 * RSS counts the Bun binary's code pages in every process, PSS shares them out between the processes
 * that map them, and Private is what each additional agent really adds. Writes bench/idle-memory.md.
 *
 *   bun bench/idle-memory.ts            AGENTS=1 bun bench/idle-memory.ts
 *   AGENT_ARGS="--status-page" bun bench/idle-memory.ts    (more `rivulet run` flags, space-separated)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startLocalControlPlane } from "../agent/devtools/local-control-plane.ts";
import { connect } from "../agent/runtime/kube-transport.ts";
import { createHttpClient } from "../agent/kube/http-client.ts";
import { installTenant, kubeconfigForToken, serviceAccountToken, TENANT_FILES } from "../agent/kube/tenant-install.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
const root = resolve(import.meta.dir, "..");
const FM = { fieldManager: "bench" };
const cp = await startLocalControlPlane();
const storage = mkdtempSync(join(tmpdir(), "rivulet-pss-"));
const admin = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });
for (const f of ["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml", "source.toolkit.fluxcd.io_ocirepositories.yaml", "source.toolkit.fluxcd.io_buckets.yaml"]) {
  for (const crd of parseDocuments(readFileSync(join(root, "crds", f), "utf8")) as any[]) await admin.apply(crd, { ...FM, force: true });
}
const docs = TENANT_FILES.flatMap((f) => parseDocuments(readFileSync(join(root, "deploy", "tenant", f), "utf8"))) as any[];
const N = Number(process.env.AGENTS ?? 3);
const extraArgs = (process.env.AGENT_ARGS ?? "").split(" ").filter(Boolean);
const agents = [];
for (let i = 0; i < N; i++) {
  const ns = `tenant-${i}`;
  await installTenant(admin, ns, docs, "bench");
  const token = await serviceAccountToken(admin, ns, "rivulet", "bench");
  const kc = join(storage, `${ns}.kubeconfig`);
  writeFileSync(kc, kubeconfigForToken(parseDocuments(readFileSync(cp.admin.kubeconfig, "utf8"))[0] as never, "rivulet", token, ns));
  const port = await freePort();
  agents.push(spawn(join(root, "node_modules/.bin/bun"), [join(root, "agent/main.ts"), "run", "--kubeconfig", kc, "--health-addr", `127.0.0.1:${port}`, "--storage-addr", "127.0.0.1:0", "--storage-path", join(storage, "data" + i), "--log-level", "error", ...extraArgs], { stdio: ["ignore", "ignore", "inherit"] }));
}
await new Promise((r) => setTimeout(r, 5000));
const rows: string[] = [];
for (const a of agents) {
  const s = readFileSync(`/proc/${a.pid}/smaps_rollup`, "utf8");
  const kb = (k: string) => (Number(s.match(new RegExp(`^${k}:\\s+(\\d+)`, "m"))![1]) / 1024).toFixed(1);
  const priv = (Number(kb("Private_Clean")) + Number(kb("Private_Dirty"))).toFixed(1);
  rows.push(`| ${rows.length + 1} | ${kb("Rss")} | ${kb("Pss")} | ${kb("Pss_Anon")} | ${kb("Pss_File")} | ${kb("Shared_Clean")} | ${priv} |`);
}
const md = `# Idle memory of the agent

\`bun bench/idle-memory.ts\` (${new Date().toISOString().slice(0, 10)}, Bun ${Bun.version}): ${N} agents, one per tenant namespace,
each idle 5 s after start with no Flux objects (watches open, probes and metrics served). MiB from
/proc/PID/smaps_rollup. The bench's own Bun process maps the same binary too.

| agent | RSS | PSS | PSS anon | PSS file | shared clean | private |
|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}

RSS counts every page of the Bun binary the process has touched; those pages are clean, shared between all
Bun processes on the node and can be dropped by the kernel at any time. \`private\` is what one more tenant's
agent adds to a node.
`;
writeFileSync(join(root, "bench/idle-memory.md"), md);
console.log(md);
for (const a of agents) a.kill("SIGTERM");
await Promise.all(agents.map((a) => new Promise((r) => a.on("exit", r))));
await cp.stop();
