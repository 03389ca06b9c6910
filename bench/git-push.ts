/**
 * Git push benchmark: the write side image automation and bootstrap use (agent/source/git/git-checkout.ts)
 * on a repository of 1,000 YAML files in 20 directories: check out (depth 1), change all 1,000 files,
 * commit, pack and push over smart HTTP to git http-backend on loopback, against the git CLI doing the
 * same in the same run (`git clone --depth 1`, rewrite the files, `git commit -a`, `git push`, on disk in
 * a temp directory). Each run is its own process so its peak RSS (VmHWM) is its own; for the git CLI the
 * figure is GNU time's largest process. Medians of RUNS runs, interleaved. Writes bench/git-push.md.
 *
 *   bun bench/git-push.ts            (the parent; children run `bun bench/git-push.ts child URL N`)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeSha1, zlibInflateAt } from "../agent/runtime/native-git.ts";
import { checkout } from "../agent/source/git/git-checkout.ts";
import { startGitServer } from "../test/support/git-server.ts";
import { gitCliCommitPush, runAsync } from "./git-cli.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FILES = 1000;

const path = (i: number) => `apps/team${i % 20}/app${i}.yaml`;
const content = (i: number, run: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app${i}:1.${run}.0 # {"$imagepolicy": "apps:app${i}"}\n`;

function hwmKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

async function child(url: string, run: number): Promise<void> {
  const t0 = performance.now();
  const co = await checkout({ url, fetch, ref: { branch: "main" }, sha1: nodeSha1, inflate: zlibInflateAt, timeoutMs: 120_000 });
  const t1 = performance.now();
  const changes: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) changes[path(i)] = content(i, run);
  const r = await co.commitAndPush(changes, { author: { name: "bench", email: "bench@example.com" }, message: `run ${run}` });
  const t2 = performance.now();
  console.log(JSON.stringify({ checkoutMs: t1 - t0, pushMs: t2 - t1, ms: t2 - t0, hwmKiB: hwmKiB(), objects: r.objects, packBytes: r.packBytes }));
}

function gitCli(url: string, run: number): Promise<{ ms: number; hwmKiB: number }> {
  return gitCliCommitPush(url, run, Array.from({ length: FILES }, (_, i): [string, string] => [path(i), content(i, run)]));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.argv[2] === "child") return child(process.argv[3]!, Number(process.argv[4]));
  if (!existsSync("/usr/bin/time")) throw new Error("Cannot run the benchmark: /usr/bin/time is missing (apt-get install time)");
  const git = await startGitServer();
  try {
    const files: Record<string, string> = { "README.md": "bench\n" };
    for (let i = 0; i < FILES; i++) files[path(i)] = content(i, 0);
    await git.createRepo("ours", files, { branch: "main" });
    await git.createRepo("cli", files, { branch: "main" });
    const ours: Array<{ checkoutMs: number; pushMs: number; ms: number; hwmKiB: number; objects: number; packBytes: number }> = [];
    const cli: Array<{ ms: number; hwmKiB: number }> = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await runAsync(process.execPath, [import.meta.path, "child", git.url("ours"), String(run)]);
      if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
      ours.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
      cli.push(await gitCli(git.url("cli"), run));
    }
    const fsck = spawnSync("git", ["fsck", "--strict", "--no-dangling"], { cwd: git.gitDir("ours"), encoding: "utf8" });
    if (fsck.status !== 0) throw new Error(`git fsck failed on the pushed repository: ${fsck.stderr}`);
    const o = { ms: median(ours.map((x) => x.ms)), checkoutMs: median(ours.map((x) => x.checkoutMs)), pushMs: median(ours.map((x) => x.pushMs)), hwm: median(ours.map((x) => x.hwmKiB)) };
    const c = { ms: median(cli.map((x) => x.ms)), hwm: median(cli.map((x) => x.hwmKiB)) };
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const table = [
      `| variant | total ms | checkout ms | commit + pack + push ms | peak RSS MiB |`,
      `|---|---|---|---|---|`,
      `| rivulet (Bun, one process) | ${o.ms.toFixed(0)} | ${o.checkoutMs.toFixed(0)} | ${o.pushMs.toFixed(0)} | ${(o.hwm / 1024).toFixed(0)} |`,
      `| git CLI (clone --depth 1, commit -a, push) | ${c.ms.toFixed(0)} | | | ${(c.hwm / 1024).toFixed(0)} |`,
    ].join("\n");
    console.log(table);
    console.log(`ratio (git CLI / rivulet): ${(c.ms / o.ms).toFixed(2)}x; pack: ${ours[0]!.objects} objects, ${(ours[0]!.packBytes / 1024).toFixed(0)} KiB; load ${load}`);
    writeFileSync(
      join(import.meta.dir, "git-push.md"),
      `# Git push: 1,000 changed files\n\nProgram: \`bun bench/git-push.ts\` (BENCH_RUNS=${RUNS}, medians). A repository of ${FILES} YAML files in 20\ndirectories served by git http-backend on 127.0.0.1; every run changes all ${FILES} files (an image tag each)\nand pushes one commit to main: rivulet's checkout + commitAndPush (agent/source/git/git-checkout.ts) against the\ngit CLI doing the same on disk in the same run. Load average at the end: ${load}. The pushed repository passes\n\`git fsck --strict\`.\n\n${table}\n\nRatio (git CLI time / rivulet time): ${(c.ms / o.ms).toFixed(2)}x. The pack holds ${ours[0]!.objects} objects (the commit, ${FILES} blobs, 22 trees),\n${(ours[0]!.packBytes / 1024).toFixed(0)} KiB, undeltified.\n`,
    );
  } finally {
    await git.stop();
  }
}

await main();
