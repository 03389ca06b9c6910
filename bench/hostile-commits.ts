/**
 * The agent's memory under hostile commits (issue 25 item 2). Each scenario gets a fresh control plane,
 * git server and `rivulet run` agent (bench/flux-kit.ts). First a steady workload (5 Kustomizations of a
 * small app) converges: its peak RSS is the "steady peak" and the RSS 10 s after it the "baseline". Then a
 * hostile commit arrives and RSS is sampled every 250 ms until its objects settle (Ready True or False),
 * and again 60 s after they settled.
 *
 *   50mb     one 50 MB YAML document (a ConfigMap) in one Kustomization
 *   4x30mb   four 30 MB YAML documents, each in its own repository and Kustomization, all at once
 *   4x12mb   four 12 MB files of four 3,000,000-byte documents each, inside every limit, all at once
 *   25k      a repository of 25,000 files, one Kustomization on a small directory of it
 *
 *   bun bench/hostile-commits.ts [50mb 4x30mb 4x12mb 25k]     results as JSON lines to stdout (and BENCH_OUT)
 *
 * Goal: peak during the burst at most 2x the steady peak; RSS 60 s after within 20% of the baseline.
 */
import { appendFileSync } from "node:fs";
import process from "node:process";
import { startGitServer, type Files } from "../test/support/git-server.ts";
import { applyInBatches, mib, rssOf, startBenchAgent, startBenchCluster, waitAllReady } from "./flux-kit.ts";
import type { KubeClient } from "../agent/kube/client.ts";
import type { KubeObject } from "../agent/kube/types.ts";

const KS = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" };
const GR = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository" };

const app = Array.from(
  { length: 20 },
  (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: steady-${i}\ndata:\n  index: "${i}"\n  text: "${"steady ".repeat(40)}"\n`,
).join("");

/** `bytes` of incompressible-looking base64 text in a ConfigMap, so the pack and the artifact are as big as the file. */
function bigConfigMap(name: string, bytes: number): string {
  let seed = 0x2545f491;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const line = new Array<string>(76);
  const lines: string[] = [];
  for (let n = 0; n < bytes; n += 81) {
    for (let i = 0; i < 76; i++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      line[i] = alphabet[(seed >>> 0) & 63]!;
    }
    lines.push(`    ${line.join("")}`);
  }
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  blob: |\n${lines.join("\n")}\n`;
}

interface Hostile {
  repos: Record<string, Files>;
  /** [repository, path] per Kustomization. */
  kustomizations: Array<[string, string]>;
}

const SCENARIOS: Record<string, () => Hostile> = {
  "50mb": () => ({ repos: { big: { "big/cm.yaml": bigConfigMap("big", 50e6) } }, kustomizations: [["big", "./big"]] }),
  "4x30mb": () => ({
    repos: Object.fromEntries([0, 1, 2, 3].map((i) => [`big${i}`, { "big/cm.yaml": bigConfigMap(`big${i}`, 30e6) }])),
    kustomizations: [0, 1, 2, 3].map((i) => [`big${i}`, "./big"] as [string, string]),
  }),
  // Within every default limit (12 MB files of four 3,000,000-byte documents): refused by nothing before
  // the build, so this is the case the build memory budget (--build-memory) is for.
  "4x12mb": () => ({
    repos: Object.fromEntries([0, 1, 2, 3].map((i) => [`mid${i}`, { "mid/cms.yaml": [0, 1, 2, 3].map((d) => bigConfigMap(`mid${i}-${d}`, 3e6)).join("---\n") }])),
    kustomizations: [0, 1, 2, 3].map((i) => [`mid${i}`, "./mid"] as [string, string]),
  }),
  "25k": () => {
    const files: Files = { "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: small\ndata:\n  a: b\n" };
    for (let i = 0; i < 25_000; i++) files[`files/d${Math.floor(i / 500)}/f${i}.txt`] = `file ${i}\n`;
    return { repos: { many: files }, kustomizations: [["many", "./app"]] };
  },
};

const conditionOf = (o: KubeObject) => ((o.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> })?.conditions ?? []).find((c) => c.type === "Ready");

/**
 * Waits until every hostile Kustomization has Ready True or False (not Progressing), or its source was
 * refused (Ready False: the Kustomization then waits for an artifact that will not come); samples RSS meanwhile.
 */
async function settle(admin: KubeClient, ns: string, hostile: Hostile, pid: number, peak: { rss: number }): Promise<Record<string, string>> {
  const deadline = Date.now() + 300_000;
  let out: Record<string, string> = {};
  for (let tick = 0; Date.now() < deadline; tick++) {
    peak.rss = Math.max(peak.rss, rssOf(pid).rss);
    if (tick % 4 === 0) {
      const sources = new Map((await admin.list({ ...GR, namespace: ns })).items.map((o) => [o.metadata.name ?? "", conditionOf(o)]));
      const items = new Map((await admin.list({ ...KS, namespace: ns })).items.map((o) => [o.metadata.name ?? "", conditionOf(o)]));
      const done = hostile.kustomizations.every(([repo], i) => {
        const c = items.get(`hostile-${i}`);
        const settled = c && c.status !== "Unknown" && c.reason !== "Progressing" && !/not ready|not found|not in storage/i.test(c.message);
        return settled || sources.get(repo)?.status === "False";
      });
      out = Object.fromEntries(hostile.kustomizations.map((_, i) => [`hostile-${i}`, `${items.get(`hostile-${i}`)?.status ?? "-"} ${items.get(`hostile-${i}`)?.reason ?? ""}: ${(items.get(`hostile-${i}`)?.message ?? "").slice(0, 200)}`]));
      if (done) return out;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return out;
}

async function run(name: string): Promise<Record<string, unknown>> {
  const hostile = SCENARIOS[name]!();
  const c = await startBenchCluster(["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"]);
  const git = await startGitServer();
  try {
    const { admin, ns } = c;
    await git.createRepo("steady", { "app/all.yaml": app });
    for (const [repo, files] of Object.entries(hostile.repos)) await git.createRepo(repo, files);
    const agent = await startBenchAgent(c);
    await admin.apply({ ...GR, metadata: { name: "steady", namespace: ns }, spec: { interval: "1h", url: git.url("steady") } }, { fieldManager: "bench" });
    const t0 = performance.now();
    await applyInBatches(admin, Array.from({ length: 5 }, (_, i) => ({
      ...KS,
      metadata: { name: `steady-${i}`, namespace: ns },
      spec: { interval: "1h", path: "./app", prune: true, namePrefix: `s${i}-`, sourceRef: { kind: "GitRepository", name: "steady" } },
    })));
    await waitAllReady(admin, { ...KS, namespace: ns }, 5, agent.pid, t0);
    await new Promise((r) => setTimeout(r, 10_000));
    const steadyPeak = rssOf(agent.pid).hwm;
    const baseline = rssOf(agent.pid).rss;

    const peak = { rss: 0 };
    const b0 = performance.now();
    for (const repo of Object.keys(hostile.repos)) await admin.apply({ ...GR, metadata: { name: repo, namespace: ns }, spec: { interval: "1h", url: git.url(repo) } }, { fieldManager: "bench" });
    const names = hostile.kustomizations.map((_, i) => `hostile-${i}`);
    await applyInBatches(admin, hostile.kustomizations.map(([repo, path], i) => ({
      ...KS,
      metadata: { name: names[i]!, namespace: ns },
      spec: { interval: "1h", path, prune: true, sourceRef: { kind: "GitRepository", name: repo } },
    })));
    const conditions = await settle(admin, ns, hostile, agent.pid, peak);
    const settledAfter = (performance.now() - b0) / 1000;
    const sources = Object.fromEntries((await admin.list({ ...GR, namespace: ns })).items.filter((o) => o.metadata.name !== "steady").map((o) => [o.metadata.name, `${conditionOf(o)?.status} ${conditionOf(o)?.reason}: ${(conditionOf(o)?.message ?? "").slice(0, 240)}`]));
    for (let s = 0; s < 60; s++) {
      peak.rss = Math.max(peak.rss, rssOf(agent.pid).rss);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const { rss: after60, hwm } = rssOf(agent.pid);
    await agent.stop();
    const burstPeak = Math.max(peak.rss, hwm);
    return {
      scenario: name,
      steadyPeak: mib(steadyPeak),
      baseline: mib(baseline),
      burstPeak: mib(burstPeak),
      peakRatio: Number((burstPeak / steadyPeak).toFixed(2)),
      after60: mib(after60),
      afterRatio: Number((after60 / baseline).toFixed(2)),
      settledAfter: `${settledAfter.toFixed(1)} s`,
      sources,
      conditions,
    };
  } finally {
    await git.stop();
    await c.stop();
  }
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
for (const n of names) {
  const r = await run(n);
  const line = JSON.stringify(r);
  console.log(line);
  if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, line + "\n");
}
