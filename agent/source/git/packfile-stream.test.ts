import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { nodeSha1, zlibInflateAt } from "../../runtime/native-git.ts";
import { startGitServer, type Files, type GitServer } from "../../../test/support/git-server.ts";
import { createPortableSha1, type Sha1 } from "./object-id.ts";
import { PackReader, parsePack, type GitObject, type ParsePackOptions } from "./packfile.ts";

// Packs the git CLI writes for repositories of the test git server, read by PackReader in chunks cut at
// random places, must give exactly the objects git itself has (git cat-file), with and without deltas.

let server: GitServer;
let portable: Sha1;
const oracles = new Map<string, Map<string, GitObject>>();

function gitIn(repo: string, args: string[], input?: string): Buffer {
  const r = spawnSync("git", args, { cwd: server.gitDir(repo), input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Every object of the repository, by id, as git cat-file reads it. */
function catAll(repo: string): Map<string, GitObject> {
  const out = gitIn(repo, ["cat-file", "--batch-all-objects", "--batch"]);
  const objects = new Map<string, GitObject>();
  let p = 0;
  while (p < out.length) {
    const nl = out.indexOf(0x0a, p);
    const [id, type, size] = out.subarray(p, nl).toString().split(" ");
    const start = nl + 1;
    objects.set(id!, { type: type as GitObject["type"], data: new Uint8Array(out.subarray(start, start + Number(size))) });
    p = start + Number(size) + 1;
  }
  return objects;
}

type Variant = "no deltas" | "OFS_DELTA" | "REF_DELTA";

function packOf(repo: string, variant: Variant): Uint8Array {
  const ids = [...oracles.get(repo)!.keys()];
  const args = ["pack-objects", "--stdout", "-q"];
  if (variant === "no deltas") args.push("--window=0", "--depth=0");
  else args.push("--window=50", "--depth=50");
  if (variant === "OFS_DELTA") args.push("--delta-base-offset");
  return new Uint8Array(gitIn(repo, args, ids.join("\n") + "\n"));
}

/** Deterministic text that compresses, and bytes that do not. */
function text(n: number, seed: number): string {
  const words = ["apiVersion", "kind", "metadata", "name", "spec", "replicas", "image", "ports", "- containerPort"];
  let s = "";
  for (let i = 0; s.length < n; i++) s += `${words[(i * 7 + seed) % words.length]}: ${(i * 31 + seed) % 997}\n`;
  return s.slice(0, n);
}

function noise(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function read(pack: Uint8Array, cuts: number[], options: ParsePackOptions): { objects: Map<string, GitObject>; maxHeld: number } {
  const reader = new PackReader(options);
  let maxHeld = 0;
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < pack.length)].sort((a, b) => a - b).concat(pack.length)) {
    reader.push(pack.subarray(at, cut));
    maxHeld = Math.max(maxHeld, reader.held);
    at = cut;
  }
  return { objects: reader.end(), maxHeld };
}

function expectSameObjects(got: Map<string, GitObject>, want: Map<string, GitObject>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [id, o] of want) {
    const g = got.get(id)!;
    expect(g.type).toBe(o.type);
    expect(Buffer.from(g.data).equals(Buffer.from(o.data))).toBe(true);
  }
}

beforeAll(async () => {
  portable = await createPortableSha1();
  server = await startGitServer();
  // many small files, rewritten over a few commits (tree deltas)
  const many: Files = {};
  for (let i = 0; i < 1200; i++) many[`apps/d${i % 30}/f${i}.yaml`] = text(200 + (i % 50), i);
  await server.createRepo("many", many);
  for (let c = 0; c < 3; c++) {
    const change: Files = {};
    for (let i = c; i < 1200; i += 97) change[`apps/d${i % 30}/f${i}.yaml`] = text(220, i + c * 1000);
    await server.commit("many", change, `change ${c}`);
  }
  // large blobs: one compressible, one not, each rewritten a little (blob deltas)
  await server.createRepo("large", { "big/text.yaml": text(3_000_000, 1), "big/noise.bin": noise(1_500_000, 7) });
  for (let c = 0; c < 2; c++) {
    const t = text(3_000_000, 1);
    const n = noise(1_500_000, 7);
    n.set(noise(1000, c + 100), 500_000 + c * 10_000);
    await server.commit("large", { "big/text.yaml": t.slice(0, 1_000_000) + `changed ${c}\n` + t.slice(1_000_000), "big/noise.bin": n }, `change ${c}`);
  }
  for (const repo of ["many", "large"]) oracles.set(repo, catAll(repo));
});

afterAll(async () => {
  await server?.stop();
});

describe("PackReader reads git's packs cut anywhere", () => {
  const cases: Array<[string, Variant, boolean, number]> = [
    ["many", "no deltas", true, 25],
    ["many", "OFS_DELTA", true, 25],
    ["many", "REF_DELTA", false, 15],
    ["large", "no deltas", false, 6],
    ["large", "OFS_DELTA", true, 8],
    ["large", "REF_DELTA", true, 6],
  ];
  test.each(cases)("%s files, %s, native inflate %p: the objects git has, wherever the chunks end", (repo, variant, native, runs) => {
    const pack = packOf(repo, variant);
    const want = oracles.get(repo)!;
    const options: ParsePackOptions = native ? { sha1: nodeSha1, inflate: zlibInflateAt } : { sha1: portable };
    expectSameObjects(parsePack(pack, options), want);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.integer({ min: 1, max: pack.length - 1 }), { maxLength: 60 }),
          // many small pieces, as a slow connection delivers them
          fc.integer({ min: 1, max: 4096 }).map((step) => Array.from({ length: Math.min(Math.floor(pack.length / step), 3000) }, (_, i) => (i + 1) * step)),
        ),
        (cuts) => expectSameObjects(read(pack, cuts, options).objects, want),
      ),
      { numRuns: runs },
    );
  });

  test("holds the object being read, not the pack: 64 KiB chunks of a 4 MB pack", () => {
    const pack = packOf("large", "no deltas");
    expect(pack.length).toBeGreaterThan(4_000_000);
    const cuts = Array.from({ length: Math.ceil(pack.length / 65536) }, (_, i) => i * 65536);
    const { objects, maxHeld } = read(pack, cuts, { sha1: nodeSha1, inflate: zlibInflateAt });
    expectSameObjects(objects, oracles.get("large")!);
    // a deflate block is at most some tens of KiB, so two chunks' worth is plenty
    expect(maxHeld).toBeLessThan(3 * 65536);
  });

  test("with a native inflate, objects cut by 8 KiB chunks (git http-backend's) wait for their bytes and are inflated natively, not resumably", () => {
    const pack = packOf("many", "OFS_DELTA");
    const cuts = Array.from({ length: Math.ceil(pack.length / 8192) }, (_, i) => i * 8192);
    let inflated = 0;
    const counting: ParsePackOptions["inflate"] = (buf, offset, size) => {
      const r = zlibInflateAt(buf, offset, size);
      inflated++;
      return r;
    };
    const whole = parsePack(pack, { sha1: nodeSha1 });
    const { objects } = read(pack, cuts, { sha1: nodeSha1, inflate: counting });
    expectSameObjects(objects, whole);
    // every entry (objects and deltas alike) came out of the native inflate
    expect(inflated).toBe(new DataView(pack.buffer, pack.byteOffset).getUint32(8));
  });

  test("a stream longer than nativeWindow goes to the resumable decoder, so the reader still holds one block, not the stream", () => {
    const pack = packOf("large", "no deltas");
    const cuts = Array.from({ length: Math.ceil(pack.length / 8192) }, (_, i) => i * 8192);
    const { objects, maxHeld } = read(pack, cuts, { sha1: nodeSha1, inflate: zlibInflateAt, nativeWindow: 16 * 1024 });
    expectSameObjects(objects, oracles.get("large")!);
    expect(maxHeld).toBeLessThan(16 * 1024 + 3 * 8192 + 64 * 1024);
  });

  test("a thin pack (bases left out, which fetches never ask for) is refused the same way cut or whole", () => {
    const pack = new Uint8Array(gitIn("large", ["pack-objects", "--revs", "--thin", "--stdout", "-q", "--delta-base-offset"], "HEAD\n^HEAD~1\n"));
    const whole = (() => {
      try {
        parsePack(pack, { sha1: nodeSha1 });
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(whole).toMatch(/^Cannot read the packfile: delta base [0-9a-f]{40} is not in the pack$/);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: pack.length - 1 }), { maxLength: 20 }), (cuts) => {
      expect(() => read(pack, cuts, { sha1: portable })).toThrow(whole);
    }), { numRuns: 10 });
  });
});

describe("PackReader enforces the limits as the bytes arrive", () => {
  test.each([
    ["a blob over maxObjectBytes", { maxObjectBytes: 2_000_000 }, /^a blob in the commit is 3,000,01\d bytes, over the limit of 1\.9\d* MiB|^a blob in the commit is 3,000,01\d bytes, over the limit of 2,000,000 bytes \(raise it with rivulet run --max-file-size\)$/],
    ["content over maxInflatedBytes", { maxInflatedBytes: 4_000_000 }, /^the commit's content is over the limit of 4,000,000 bytes \(raise it with rivulet run --max-artifact-size\)$/],
  ] as const)("%s is refused before the rest of the pack arrives, with the text a whole pack gets", (_, limits, message) => {
    const pack = packOf("large", "no deltas");
    const options = { sha1: nodeSha1, inflate: zlibInflateAt, ...limits };
    expect(() => parsePack(pack, options)).toThrow(message);
    const reader = new PackReader(options);
    let pushed = 0;
    expect(() => {
      for (; pushed < pack.length; pushed += 65536) reader.push(pack.subarray(pushed, pushed + 65536));
    }).toThrow(message);
    expect(pushed).toBeLessThan(pack.length / 2);
  });

  test("a corrupted object cut anywhere is reported as a whole pack reports it", () => {
    const pack = packOf("many", "OFS_DELTA");
    const bad = pack.slice();
    bad[Math.floor(bad.length / 2)]! ^= 0x55;
    const whole = (() => {
      try {
        parsePack(bad, { sha1: nodeSha1 });
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(whole).toBe("Cannot read the packfile: checksum mismatch (the pack is corrupted or truncated)");
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: bad.length - 1 }), { maxLength: 30 }), fc.boolean(), (cuts, native) => {
      expect(() => read(bad, cuts, native ? { sha1: nodeSha1, inflate: zlibInflateAt } : { sha1: portable })).toThrow(whole);
    }), { numRuns: 20 });
  });
});
