import { describe, expect, test } from "bun:test";
import { ArtifactCache } from "./artifact-cache.ts";
import { pack } from "../artifact/pack.ts";
import { FileTree } from "../artifact/file-tree.ts";
import { DEFAULTS as LIMITS } from "../core/limits.ts";

const file = (n: number) => ({ kind: "file" as const, mode: 0o644, data: new Uint8Array(n).fill(1) });

/** A store holding one packed tree per path, and a hand-driven clock and sweep. */
async function setup(trees: Record<string, FileTree>) {
  const stored = new Map<string, { bytes: Uint8Array; digest: string }>();
  for (const [path, tree] of Object.entries(trees)) {
    const p = await pack(tree);
    stored.set(path, { bytes: p.bytes, digest: p.digest });
  }
  const clock = { now: 0, tick: undefined as (() => void) | undefined, stopped: false };
  const store = { get: async (path: string) => stored.get(path)?.bytes };
  const artifact = (path: string) => ({ path, digest: stored.get(path)!.digest });
  const every = (tick: () => void) => ((clock.tick = tick), () => (clock.stopped = true));
  return { store, artifact, clock, every };
}

describe("ArtifactCache", () => {
  test("an entry unused for idleMs is dropped and counted, then the sweep stops", async () => {
    const { store, artifact, clock, every } = await setup({ "a.tar.gz": new FileTree([["a.yaml", file(10)]]) });
    const cache = new ArtifactCache(store, { idleMs: 1000, now: () => clock.now, every });
    const first = await cache.tree(artifact("a.tar.gz"));
    clock.now = 600;
    expect(await cache.tree(artifact("a.tar.gz"))).toBe(first!); // a hit, and it counts as a use
    clock.now = 1500;
    clock.tick!();
    expect([cache.size, cache.evictions]).toEqual([1, 0]);
    clock.now = 1700;
    clock.tick!();
    expect([cache.size, cache.evictions, clock.stopped]).toEqual([0, 1, true]);
  });

  test("an artifact larger than the whole budget is unpacked but not kept", async () => {
    const { store, artifact, every } = await setup({ "big.tar.gz": new FileTree([["big.bin", file(2000)]]) });
    const cache = new ArtifactCache(store, { maxBytes: 1000, every });
    expect((await cache.tree(artifact("big.tar.gz")))!.read("big.bin")!.length).toBe(2000);
    expect(cache.size).toBe(0);
  });

  test("an artifact over the agent's limits is refused with the limit and its flag named", async () => {
    const many = new FileTree(Array.from({ length: 6 }, (_, i) => [`f${i}`, file(1)] as const));
    const { store, artifact, every } = await setup({ "many.tar.gz": many, "big.tar.gz": new FileTree([["big.bin", file(2000)]]) });
    const cache = new ArtifactCache(store, { limits: { ...LIMITS, maxEntries: 5, maxFileSize: 1024 }, every });
    await expect(cache.tree(artifact("many.tar.gz"))).rejects.toThrow("the artifact is over the limit of 5 entries (raise it with rivulet run --max-artifact-entries)");
    await expect(cache.tree(artifact("big.tar.gz"))).rejects.toThrow('Cannot extract the tar archive: file "big.bin" is 2,000 bytes, over the limit of 1 KiB (raise it with rivulet run --max-file-size)');
  });
});
