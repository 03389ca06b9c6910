/**
 * Idle memory of the agent per tenant, as a node holding 1, 10 and 50 tenants' agents sees it: for each
 * way of running the agent (Bun + sources, and the `bun build --compile --bytecode` executable the image
 * ships), starts `rivulet run` processes one per tenant namespace (deploy/tenant's namespaced RBAC, the
 * tenant's own ServiceAccount token), each with a GitRepository and a Kustomization of its own from a
 * local git server, waits until every Kustomization is Ready and the agents have idled, and reads
 * /proc/PID/smaps_rollup of each: RSS counts every touched page of the runtime's code in every process,
 * PSS shares each page out between the processes that map it (so the sum of PSS counts shared pages
 * once: the node's real cost), and private (Private_Clean + Private_Dirty) is what one more tenant's agent
 * adds to a node. Agents are added to the same node (1, then 9 more, then 40 more).
 *
 * Bun + sources runs a copy of the Bun binary so that the bench's own Bun process shares none of the
 * agents' pages. Prints one markdown table per mode.
 *
 *   bun bench/idle-memory.ts                    COUNTS=1,10 MODES=compiled bun bench/idle-memory.ts
 *   AGENT_ENV='BUN_JSC_x=1' AGENT_BUN_FLAGS=--smol AGENT_ARGS='--gc-interval 0' bun bench/idle-memory.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { freePort } from "../agent/devtools/local-control-plane.ts";
import { startGitServer } from "../test/support/git-server.ts";
import { addTenant, agentCommand, FM, isReady, smapsOf, startBenchCluster, tenantDocs, type Smaps } from "./flux-kit.ts";

const COUNTS = (process.env.COUNTS ?? "1,10,50").split(",").map(Number);
const MODES = (process.env.MODES ?? "bun,compiled").split(",") as Array<"bun" | "compiled">;
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 15_000);
const agentEnv = Object.fromEntries((process.env.AGENT_ENV ?? "").split(" ").filter(Boolean).map((kv) => kv.split("=", 2) as [string, string]));
const bunFlags = (process.env.AGENT_BUN_FLAGS ?? "").split(" ").filter(Boolean);
const agentFlags = (process.env.AGENT_ARGS ?? "").split(" ").filter(Boolean);

const mib = (kb: number) => (kb / 1024).toFixed(1);

const c = await startBenchCluster(["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"]);
const git = await startGitServer();
const work = mkdtempSync(join(tmpdir(), "rivulet-idle-"));
const docs = tenantDocs();
const sections: string[] = [];
try {
  await git.createRepo("app", { "app/config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: hello\n" });
  for (const mode of MODES) {
    const dir = join(work, mode);
    mkdirSync(dir);
    const cmd = agentCommand(mode, dir, bunFlags);
    const agents: Array<{ ns: string; proc: ChildProcess }> = [];
    const rows: string[] = [];
    try {
      for (const count of COUNTS) {
        const started: string[] = [];
        while (agents.length < count) {
          const ns = `${mode}-${agents.length}`;
          const kc = await addTenant(c.admin, c.adminKubeconfig, ns, dir, docs);
          await c.admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "1h", url: git.url("app") } }, FM);
          await c.admin.apply(
            { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: ns }, spec: { interval: "1h", path: "./app", prune: true, sourceRef: { kind: "GitRepository", name: "app" } } },
            FM,
          );
          const port = await freePort();
          const args = ["run", "--kubeconfig", kc, "--health-addr", `127.0.0.1:${port}`, "--storage-addr", "127.0.0.1:0", "--storage-path", join(dir, "data-" + ns), "--log-level", "error", ...agentFlags];
          const proc = spawn(cmd[0]!, [...cmd.slice(1), ...args], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...agentEnv } });
          agents.push({ ns, proc });
          started.push(ns);
          // Ten start-ups at a time: the 2-core machine would otherwise spend minutes in start-up contention.
          if (started.length % 10 === 0) await waitReady(started.slice(-10));
        }
        await waitReady(started);
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const all = agents.map((a) => smapsOf(a.proc.pid!));
        const avg = (k: keyof Smaps) => all.reduce((s, m) => s + m[k], 0) / all.length;
        const sum = (k: keyof Smaps) => all.reduce((s, m) => s + m[k], 0);
        const maxPriv = Math.max(...all.map((m) => m.privateKb));
        rows.push(`| ${count} | ${mib(avg("rss"))} | ${mib(avg("pss"))} | ${mib(avg("pssAnon"))} | ${mib(avg("pssFile"))} | ${mib(avg("privateKb"))} | ${mib(maxPriv)} | ${mib(sum("pss"))} |`);
        console.error(`[idle-memory] ${mode} ${count}: ${rows.at(-1)}`);
      }
    } finally {
      for (const a of agents) a.proc.kill("SIGTERM");
      await Promise.all(agents.map((a) => (a.proc.exitCode === null ? new Promise((r) => a.proc.on("exit", r)) : undefined)));
    }
    sections.push(`${mode === "bun" ? "Bun + sources" : "compiled executable (--bytecode)"}

| agents on the node | RSS / agent | PSS / agent | PSS anon | PSS file | private / agent | private, largest | node total (sum of PSS) |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join("\n")}
`);
  }
} finally {
  await git.stop();
  await c.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`idle-memory (${new Date().toISOString().slice(0, 10)}, Bun ${Bun.version}${process.env.AGENT_ENV ? `, ${process.env.AGENT_ENV}` : ""}${bunFlags.length ? `, ${bunFlags.join(" ")}` : ""}${agentFlags.length ? `, ${agentFlags.join(" ")}` : ""}), MiB, each agent ${SETTLE_MS / 1000} s idle after its tenant's Kustomization was Ready\n`);
console.log(sections.join("\n"));

async function waitReady(namespaces: string[]): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const pending: string[] = [];
    for (const ns of namespaces) {
      const k = await c.admin.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "app" }).catch(() => undefined);
      if (!k || !isReady(k)) pending.push(ns);
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`Kustomizations not Ready after 5 minutes: ${pending.join(", ")}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
