/**
 * One in-process measurement for bench/build.ts: opens DIR once (files are read by the first build), then builds it RUNS times
 * and prints JSON {ms: [...], loadMs, objects, maxRssKb}. Runs in its own process so peak RSS is its own.
 */
import { dirTree } from "../agent/cli/build.ts";
import { kustomizeBuild } from "../agent/kustomize/build.ts";

const dir = process.argv[2]!;
const runs = Number(process.argv[3] ?? 3);
const t0 = performance.now();
const tree = dirTree(dir);
const loadMs = performance.now() - t0;
const ms: number[] = [];
let objects = 0;
for (let i = 0; i < runs; i++) {
  const s = performance.now();
  objects = (await kustomizeBuild(tree, "")).length;
  ms.push(performance.now() - s);
}
console.log(JSON.stringify({ ms, loadMs, objects, maxRssKb: process.resourceUsage().maxRSS }));
