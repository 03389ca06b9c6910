import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { craftTar, paxEntry } from "./testdata/craft-tar.ts";
import { indexTarJs, TarIndexError, type TarIndexer, type TarIndexLimits } from "./tar-index.ts";
import { indexTarWasm } from "./tar-index-wasm.ts";
import { staleOutputs } from "../../wasm/build.ts";

const limits: TarIndexLimits = { maxEntries: 10_000, maxSize: 1 << 30 };

type Outcome = { table: number[] } | { problem: string; offset: number };

function run(indexer: TarIndexer, tar: Uint8Array, l = limits): Outcome {
  try {
    const r = indexer(tar, l);
    return { table: [...r.table] };
  } catch (e) {
    if (e instanceof TarIndexError) return { problem: e.problem, offset: e.offset };
    throw e;
  }
}

/** Archives written by GNU tar in each format it has, with long names, ./ prefixes and a 0-byte file. */
function gnuCorpus(): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-tarcorpus-"));
  try {
    const long = `${"d".repeat(60)}/${"e".repeat(70)}/${"f".repeat(110)}.yaml`;
    mkdirSync(join(dir, "src", long, ".."), { recursive: true });
    writeFileSync(join(dir, "src", long), "long: true\n");
    writeFileSync(join(dir, "src", "empty"), "");
    writeFileSync(join(dir, "src", "ünïcode.yaml"), "x: 1\n".repeat(300));
    const out: Uint8Array[] = [];
    for (const format of ["gnu", "oldgnu", "pax", "ustar", "v7"]) {
      const file = join(dir, `${format}.tar`);
      try {
        execFileSync("tar", ["--format", format, "-cf", file, "-C", join(dir, "src"), "."], { stdio: "pipe" });
        out.push(new Uint8Array(execFileSync("cat", [file])));
      } catch {
        // ustar/v7 cannot store a 110-byte file name: that is GNU tar refusing, not our reader.
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("tar index: the WASM module and the JS pass agree", () => {
  test("on archives written by GNU tar in every format", () => {
    const corpus = gnuCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(3);
    for (const tar of corpus) {
      const js = run(indexTarJs, tar);
      expect("table" in js).toBe(true);
      expect(run(indexTarWasm, tar)).toEqual(js);
    }
  });

  test("on crafted archives with PAX sizes, long names and hostile headers", () => {
    const cases = [
      craftTar([paxEntry({ size: "5", path: "p" }), { name: "x", data: "12345", size: 99 }]),
      craftTar([{ name: "././@LongLink", type: "L", data: "n".repeat(300) }, { name: "short", data: "x" }]),
      craftTar([{ name: "a", data: "x", checksumDelta: 3 }]),
      craftTar([{ name: "a", data: new Uint8Array(1000) }]).subarray(0, 1000),
      craftTar([paxEntry({ size: "12x" }), { name: "x" }]),
      craftTar([{ name: "l", type: "2", linkname: "t", size: 4096 }]),
    ];
    for (const tar of cases) expect(run(indexTarWasm, tar)).toEqual(run(indexTarJs, tar));
  });

  test("on random byte mutations of a valid archive (property)", () => {
    const base = craftTar([
      paxEntry({ path: "pax/path.yaml", size: "7" }),
      { name: "f.yaml", data: "a: 1234", size: 1 },
      { name: "d", type: "5" },
      { name: "d/g", data: "x".repeat(700) },
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3000 }),
        (flips, cut, maxEntries, maxSize) => {
          const tar = base.slice(0, cut);
          for (const [i, v] of flips) if (i < tar.length) tar[i] = v;
          const l = { maxEntries, maxSize };
          expect(run(indexTarWasm, tar, l)).toEqual(run(indexTarJs, tar, l));
        },
      ),
      { numRuns: 500 },
    );
  });
});

test("the committed wasm/tar build matches a fresh build of its AssemblyScript source", async () => {
  expect(await staleOutputs(["tar"])).toEqual([]);
}, 120_000);
