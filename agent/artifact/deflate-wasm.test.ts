import { expect, test } from "bun:test";
import fc from "fast-check";
import { inflateSync } from "fflate";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { crc32Wasm, deflateWasm } from "./deflate-wasm.ts";
import { crc32Js } from "./crc32.ts";
import { staleOutputs } from "../../wasm/build.ts";
import { prng, randomBytes, yamlCorpus } from "./testdata/deflate-corpus.ts";
import { wasmBase64 } from "../../wasm/deflate/build/deflate-wasm.ts";

/** Inflates with two independent decoders (zlib's C code, fflate's JS) and demands both give `data` back. */
function expectRoundTrip(data: Uint8Array): Uint8Array {
  const z = deflateWasm(data);
  expect(Buffer.compare(inflateRawSync(z), data)).toBe(0);
  expect(Buffer.compare(inflateSync(z), data)).toBe(0);
  return z;
}

const cases: Array<[string, () => Uint8Array]> = [
  ["empty input", () => new Uint8Array(0)],
  ["one byte", () => new Uint8Array([0x41])],
  ["all 256 byte values", () => Uint8Array.from({ length: 256 }, (_, i) => i)],
  ["all 256 byte values, repeated", () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff)],
  ["1 MiB of one byte", () => new Uint8Array(1 << 20).fill(0x78)],
  ["incompressible random data", () => randomBytes(200_000, 1)],
  ["text just under 32 KiB", () => yamlCorpus(32 * 1024 - 1, 2)],
  ["text at 32 KiB", () => yamlCorpus(32 * 1024, 3)],
  ["text just over 32 KiB", () => yamlCorpus(32 * 1024 + 1, 4)],
  ["text across 64 KiB", () => yamlCorpus(64 * 1024 + 3, 5)],
  ["a 40 KiB pattern repeated beyond the window", () => {
    const unit = randomBytes(40 * 1024, 6);
    const out = new Uint8Array(5 * unit.length);
    for (let i = 0; i < 5; i++) out.set(unit, i * unit.length);
    return out;
  }],
  ["random data then text then a run (stored, dynamic and long matches in one stream)", () => {
    const parts = [randomBytes(70_000, 7), yamlCorpus(100_000, 8), new Uint8Array(70_000).fill(1)];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  }],
  ["skewed byte frequencies (Fibonacci counts, shuffled)", () => skewed(8)],
];

/** Byte i appears fib(i) times, shuffled (the code-length tests below check the limit directly). */
function skewed(seed: number): Uint8Array {
  const counts = [1, 1];
  while (counts.length < 26) counts.push(counts.at(-1)! + counts.at(-2)!);
  const out = new Uint8Array(counts.reduce((a, b) => a + b, 0));
  let at = 0;
  counts.forEach((c, sym) => out.fill(sym, at, (at += c)));
  const r = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = r() % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test.each(cases)("deflate round-trips through zlib and fflate: %s", (_name, make) => {
  expectRoundTrip(make());
});

test("deflate of an empty input is one empty final block", () => {
  // BFINAL=1, BTYPE=01 (fixed), end-of-block: the two bytes every deflater emits for nothing.
  expect([...deflateWasm(new Uint8Array(0))]).toEqual([0x03, 0x00]);
});

test("deflate stores incompressible data, adding 5 bytes per block of 16,384 symbols", () => {
  const data = randomBytes(200_000, 9);
  const z = expectRoundTrip(data);
  expect(z[0]! & 0b110).toBe(0); // BTYPE 00: stored
  // Random data has no matches, so each block holds 16,384 bytes sent as one stored block: header byte,
  // LEN and NLEN (BLOCK_SYMS in wasm/deflate/assembly/layout.ts).
  expect(z.length).toBeLessThanOrEqual(data.length + 5 * Math.ceil(data.length / 16384) + 1);
});

test("deflate compresses a multi-MB text corpus to within 10% of zlib level 6", () => {
  const data = yamlCorpus(3_000_000, 10);
  const z = expectRoundTrip(data);
  expect(z.length).toBeLessThan(deflateRawSync(data, { level: 6 }).length * 1.1);
});

test("deflate compresses long runs with long matches", () => {
  const z = expectRoundTrip(new Uint8Array(1 << 20).fill(0));
  // 258-byte matches at distance 1 cost a few bits each: 1 MiB needs about 4,064 of them.
  expect(z.length).toBeLessThan(2048);
});

test("deflate round-trips arbitrary bytes (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70_000 }), (data) => void expectRoundTrip(data)),
    { numRuns: 150 },
  );
});

/** Text-like input: words from a small vocabulary, some runs, and back-references to earlier slices. */
const textLike = fc
  .array(
    fc.oneof(
      fc.constantFrom("apiVersion: ", "kind: ", "metadata:\n", "  name: ", "value", "\n", " ", "---\n", "é"),
      fc.stringMatching(/^[a-z0-9]{1,12}$/),
      fc.tuple(fc.constantFrom("a", "\n", " ", "0"), fc.integer({ min: 1, max: 600 })).map(([c, n]) => c.repeat(n)),
    ),
    { maxLength: 3000 },
  )
  .chain((words) =>
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 3, max: 300 })), { maxLength: 20 }).map((refs) => {
      let s = words.join("");
      for (const [from, len] of refs) s += s.slice(s.length ? from % s.length : 0).slice(0, len);
      return new TextEncoder().encode(s);
    }),
  );

test("deflate round-trips text-like input with repeats (property)", () => {
  fc.assert(fc.property(textLike, (data) => void expectRoundTrip(data)), { numRuns: 150 });
});

test("deflate output is a pure function of its input", () => {
  const data = yamlCorpus(500_000, 11);
  const a = deflateWasm(data);
  deflateWasm(randomBytes(300_000, 12)); // whatever the module did in between
  expect(Buffer.compare(deflateWasm(data), a)).toBe(0);
});

test("WASM CRC-32 matches the table loop in JS (property, including continuation)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(5000), (data, cut) => {
      const at = Math.min(cut, data.length);
      expect(crc32Wasm(data)).toBe(crc32Js(data));
      expect(crc32Wasm(data.subarray(at), crc32Wasm(data.subarray(0, at)))).toBe(crc32Js(data));
    }),
    { numRuns: 200 },
  );
});

test("WASM CRC-32 gives the standard check values, also across its 1 MiB slices", () => {
  expect(crc32Wasm(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  expect(crc32Wasm(new Uint8Array(0))).toBe(0);
  const big = randomBytes(3 * 1024 * 1024 + 5, 13);
  expect(crc32Wasm(big)).toBe(crc32Js(big));
});

test("the committed wasm/deflate build matches a fresh build of its AssemblyScript source", async () => {
  expect(await staleOutputs(["deflate"])).toEqual([]);
}, 120_000);

type HuffmanHook = {
  memory: WebAssembly.Memory;
  prepare(n: number): number;
  codeLengths(freq: number, n: number, limit: number, lens: number): void;
};
let hook: HuffmanHook | undefined;

/** The module's Huffman code lengths for `freqs`, through its test hook. */
function codeLengths(freqs: number[], limit: number): number[] {
  if (!hook) {
    const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
    hook = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as HuffmanHook;
  }
  const at = hook.prepare(4096);
  new Uint32Array(hook.memory.buffer, at, freqs.length).set(freqs);
  hook.codeLengths(at, freqs.length, limit, at + 2048);
  return [...new Uint8Array(hook.memory.buffer, at + 2048, freqs.length)];
}

const fib = (n: number) => {
  const f = [1, 1];
  while (f.length < n) f.push(f.at(-1)! + f.at(-2)!);
  return f;
};

test.each([
  ["fibonacci frequencies for 30 distance codes, limit 15", fib(30), 15],
  ["fibonacci frequencies for 286 lit/len codes, limit 15", [...fib(40), ...Array(246).fill(1)], 15],
  ["fibonacci frequencies for 19 code-length codes, limit 7", fib(19), 7],
] as const)("Huffman code lengths stay within the limit and form a complete code: %s", (_n, freqs, limit) => {
  const lens = codeLengths([...freqs], limit);
  expect(Math.max(...lens)).toBe(limit); // an unlimited Huffman code would be deeper
  expect(lens.reduce((k, l) => k + (l ? 2 ** -l : 0), 0)).toBe(1);
});

test("Huffman code lengths are limited, complete and ordered by frequency (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1 << 20 })), { minLength: 2, maxLength: 286 }),
      fc.constantFrom(7, 15),
      (freqs, limit) => {
        if (limit === 7) freqs = freqs.slice(0, 19);
        const lens = codeLengths(freqs, limit);
        const used = freqs.filter((f) => f > 0).length;
        expect(Math.max(...lens)).toBeLessThanOrEqual(limit);
        // Complete (inflaters reject incomplete codes), with at least two codes even for 0 or 1 symbols.
        expect(lens.reduce((k, l) => k + (l ? 2 ** -l : 0), 0)).toBe(1);
        freqs.forEach((f, i) => {
          if (f > 0) expect(lens[i]).toBeGreaterThan(0);
          else if (used >= 2) expect(lens[i]).toBe(0);
        });
        // A more frequent symbol never gets a longer code than a rarer one.
        const byFreq = freqs.map((f, i) => [f, lens[i]!] as const).filter(([f]) => f > 0).sort((a, b) => a[0] - b[0]);
        let shortestRarer = Infinity;
        let bad = 0;
        for (let i = 0; i < byFreq.length; i++) {
          if (i > 0 && byFreq[i]![0] > byFreq[i - 1]![0]) {
            for (let j = i - 1; j >= 0 && byFreq[j]![0] === byFreq[i - 1]![0]; j--) shortestRarer = Math.min(shortestRarer, byFreq[j]![1]);
          }
          if (byFreq[i]![1] > shortestRarer) bad++;
        }
        expect(bad).toBe(0);
      },
    ),
    { numRuns: 300 },
  );
});
