/**
 * Image automation benchmark (issue 22):
 * 1. An ImageUpdateAutomation run (agent/reconcile/image-update-automation.ts, the reconciler the agent
 *    runs) over a repository of 1,000 YAML files, 100 of them with a setter marker, each naming its own
 *    ImagePolicy: every run the 100 policies report a new latest image, and the time is from the
 *    reconcile's start (the policy change reaching the automation) to the pushed commit, in its own
 *    process so its peak RSS (VmHWM) is its own. Peer in the same run: the git CLI doing the same commit
 *    (clone --depth 1, rewrite the 100 files, commit -a, push) on disk.
 * 2. A scan of a 10,000-tag repository (agent/image/scan.ts through the registry client) from a small
 *    registry on loopback that pages tags/list by `n` with Link headers, as distribution v3 does.
 * 3. Policy evaluation (agent/image/policy.ts) over the 10,000 tags: semver, alphabetical, numerical, and
 *    a filterTags pattern with extract (RE2).
 * Medians of RUNS runs. Writes bench/image-automation.md.
 *
 *   bun bench/image-automation.ts      (children run `bun bench/image-automation.ts child URL RUN`)
 */
import { createServer } from "node:http";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeSha1, zlibInflateAt } from "../agent/runtime/native-git.ts";
import { createLogger } from "../agent/core/logger.ts";
import type { KubeClient } from "../agent/kube/client.ts";
import type { ImageUpdateAutomationSpec, ImageUpdateAutomationStatus } from "../agent/api/image-update-automation.ts";
import type { KindObject, ReconcileContext } from "../agent/reconcile/reconciler.ts";
import { imageUpdateAutomationReconciler } from "../agent/reconcile/image-update-automation.ts";
import { scanTags } from "../agent/image/scan.ts";
import { compilePolicy, type PolicySpec } from "../agent/image/policy.ts";
import { RegistryClient } from "../agent/source/oci/registry-client.ts";
import { startGitServer } from "../test/support/git-server.ts";
import { gitCliCommitPush, runAsync } from "./git-cli.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FILES = 1000;
const MARKERS = 100;
const TAGS = 10_000;

const path = (i: number) => `apps/team${i % 20}/app${i}.yaml`;
const content = (i: number, run: number) =>
  i < MARKERS
    ? `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app${i}:1.${run}.0 # {"$imagepolicy": "apps:app${i}"}\n`
    : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm${i}\ndata:\n  key: value${i}\n`;

function hwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

/** One automation run with every policy moved to 1.RUN.0. */
async function child(url: string, run: number): Promise<void> {
  const policies = Array.from({ length: MARKERS }, (_, i) => ({
    apiVersion: "image.toolkit.fluxcd.io/v1",
    kind: "ImagePolicy",
    metadata: { name: `app${i}`, namespace: "apps" },
    status: { latestRef: { name: `registry.example/app${i}`, tag: `1.${run}.0` } },
  }));
  const repo = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: "apps" }, spec: { url, interval: "1m", ref: { branch: "main" } } };
  const ctx: ReconcileContext<ImageUpdateAutomationStatus> = {
    client: { list: async () => ({ items: policies }) } as unknown as KubeClient,
    log: createLogger(() => {}),
    events: { record: async () => {} },
    now: () => new Date(),
    status: () => ({}),
    progress: async () => {},
    read: async () => repo,
  };
  const obj: KindObject<ImageUpdateAutomationSpec, ImageUpdateAutomationStatus> = {
    apiVersion: "image.toolkit.fluxcd.io/v1",
    kind: "ImageUpdateAutomation",
    metadata: { name: "auto", namespace: "apps" },
    spec: { interval: "1h", sourceRef: { kind: "GitRepository", name: "app" }, git: { commit: { author: { name: "bench", email: "bench@example.com" } } } },
  };
  const reconciler = imageUpdateAutomationReconciler({ fetchFor: () => fetch, sha1: nodeSha1, inflate: zlibInflateAt });
  const t0 = performance.now();
  const r = await reconciler.reconcile(obj, ctx);
  const ms = performance.now() - t0;
  if (!r.status?.lastPushCommit) throw new Error(`run ${run} pushed nothing: ${r.message}`);
  console.log(JSON.stringify({ ms, hwmKiB: hwmKiB() }));
}

function gitCli(url: string, run: number): Promise<{ ms: number; hwmKiB: number }> {
  return gitCliCommitPush(url, run, Array.from({ length: MARKERS }, (_, i): [string, string] => [path(i), content(i, run)]));
}

/** A registry that knows one repository's tags and pages them by `n` with Link headers. */
async function tagRegistry(tags: string[]): Promise<{ host: string; close(): void }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/v2/bench/app/tags/list") return void res.writeHead(404).end();
    const n = Number(url.searchParams.get("n") ?? 100);
    const last = url.searchParams.get("last");
    const start = last ? tags.indexOf(last) + 1 : 0;
    const page = tags.slice(start, start + n);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (start + n < tags.length) headers.link = `</v2/bench/app/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name: "bench/app", tags: page }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { host: `127.0.0.1:${port}`, close: () => server.close() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function scanAndPolicies(): Promise<string[]> {
  // 10,000 tags: semver releases, pre-releases, build tags and timestamps, as busy repositories have.
  const tags: string[] = [];
  for (let i = 0; tags.length < TAGS; i++) {
    const v = `${Math.floor(i / 400)}.${Math.floor(i / 20) % 20}.${i % 20}`;
    tags.push(v, `${v}-rc.1`, `main-${(i * 7919).toString(16).padStart(7, "0")}-${1700000000 + i}`, `sha256-${i.toString(16)}.sig`);
  }
  tags.length = TAGS;
  const reg = await tagRegistry(tags);
  const rows: string[] = [];
  try {
    const rss0 = process.memoryUsage().rss;
    let found = 0;
    const scanMs = await timeIt(async () => {
      const client = new RegistryClient({ host: reg.host, repository: "bench/app", fetch, insecure: true });
      found = (await scanTags(client, ["^.*\\.sig$"])).tags.length;
    });
    rows.push(`| scan of ${TAGS.toLocaleString("en")} tags (${Math.ceil(TAGS / 1000)} pages, ${found.toLocaleString("en")} after the exclusion list) | ${scanMs.toFixed(1)} | ${((process.memoryUsage().rss - rss0) / 1048576).toFixed(1)} |`);
    const specs: Array<[string, PolicySpec]> = [
      ["semver `>=1.0.0`", { policy: { semver: { range: ">=1.0.0" } } }],
      ["semver `>=1.0.0-0` (pre-releases)", { policy: { semver: { range: ">=1.0.0-0" } } }],
      ["alphabetical desc", { policy: { alphabetical: { order: "desc" } } }],
      ["numerical asc over extracted timestamps (filterTags RE2 + extract)", { policy: { numerical: { order: "asc" } }, filterTags: { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)$", extract: "$ts" } }],
    ];
    for (const [what, spec] of specs) {
      const compiled = compilePolicy(spec);
      if (!compiled.ok) throw new Error(`${what}: ${compiled.message}`);
      let latest = "";
      const ms = await timeIt(() => {
        const r = compiled.latest(tags);
        if (!r.ok) throw new Error(`${what}: ${r.message}`);
        latest = r.tag;
      });
      rows.push(`| policy over ${TAGS.toLocaleString("en")} tags: ${what} -> \`${latest}\` | ${ms.toFixed(1)} | |`);
    }
  } finally {
    reg.close();
  }
  return rows;
}

async function main(): Promise<void> {
  if (process.argv[2] === "child") return child(process.argv[3]!, Number(process.argv[4]));
  if (!existsSync("/usr/bin/time")) throw new Error("Cannot run the benchmark: /usr/bin/time is missing (apt-get install time)");
  const git = await startGitServer();
  let table: string;
  let ratio: string;
  try {
    const files: Record<string, string> = { "README.md": "bench\n" };
    for (let i = 0; i < FILES; i++) files[path(i)] = content(i, 0);
    await git.createRepo("ours", files, { branch: "main" });
    await git.createRepo("cli", files, { branch: "main" });
    const ours: Array<{ ms: number; hwmKiB: number }> = [];
    const cli: Array<{ ms: number; hwmKiB: number }> = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await runAsync(process.execPath, [import.meta.path, "child", git.url("ours"), String(run)]);
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      ours.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
      cli.push(await gitCli(git.url("cli"), run));
    }
    const changed = git.git("ours", ["diff", "--name-only", "main~1", "main"]).trim().split("\n").length;
    if (changed !== MARKERS) throw new Error(`the last automation commit changed ${changed} files, not ${MARKERS}`);
    const o = { ms: median(ours.map((x) => x.ms)), hwm: median(ours.map((x) => x.hwmKiB)) };
    const c = { ms: median(cli.map((x) => x.ms)), hwm: median(cli.map((x) => x.hwmKiB)) };
    table = [
      `| variant | policy change -> pushed commit, ms | peak RSS MiB |`,
      `|---|---|---|`,
      `| rivulet ImageUpdateAutomation reconcile (checkout, setters over ${FILES} files, commit, push) | ${o.ms.toFixed(0)} | ${(o.hwm / 1024).toFixed(0)} |`,
      `| git CLI (clone --depth 1, rewrite ${MARKERS} files, commit -a, push) | ${c.ms.toFixed(0)} | ${(c.hwm / 1024).toFixed(0)} |`,
    ].join("\n");
    ratio = (c.ms / o.ms).toFixed(2);
  } finally {
    await git.stop();
  }
  const rows = await scanAndPolicies();
  const scanTable = [`| step | ms | RSS growth MiB |`, `|---|---|---|`, ...rows].join("\n");
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(table, `\nratio (git CLI / rivulet): ${ratio}x\n`, scanTable, `\nload ${load}`);
  writeFileSync(
    join(import.meta.dir, "image-automation.md"),
    `# Image automation: an automation run, a 10,000-tag scan, policies over 10,000 tags\n\nProgram: \`bun bench/image-automation.ts\` (BENCH_RUNS=${RUNS}, medians). Load average at the end: ${load}.\n\n## Automation run\n\nA repository of ${FILES} YAML files in 20 directories (git http-backend on 127.0.0.1), ${MARKERS} of them with a setter\nmarker naming its own ImagePolicy. Every run all ${MARKERS} policies report a new latest image and the\nImageUpdateAutomation reconciler runs once, in a process of its own: check out (depth 1), run the setters over\nevery file, commit the ${MARKERS} changed files and push. The time is the reconcile's, from the policy change\nreaching the automation to the pushed commit (the agent enqueues the automation on the policy's status change\nwithin the watch's latency, not measured here). The git CLI does the same commit by hand in the same run.\n\n${table}\n\nRatio (git CLI time / rivulet time): ${ratio}x.\n\n## Scan and policies\n\nA registry on loopback serving ${TAGS.toLocaleString("en")} tags (releases, pre-releases, build tags with timestamps, .sig tags)\npaged by \`n\` with Link headers; the scan asks for 1,000 a page and keeps them after the default exclusion list.\n\n${scanTable}\n`,
  );
}

await main();
