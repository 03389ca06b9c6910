/** Seeded test corpora for the deflate and gzip tests: the same bytes on every run and runtime. */

/** A seeded generator, so corpora are the same on every run and runtime. */
export function prng(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => r() >>> 16); // the top bits: an LCG's low bits repeat soon
}

/** Kubernetes-like YAML with repeated keys and random values, like the bench corpus. */
export function yamlCorpus(bytes: number, seed: number): Uint8Array {
  const r = prng(seed);
  const docs: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    let y = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: team-${i % 50}\ndata:\n`;
    for (let k = 0; k < 40; k++) y += `  key-${r() % 10000}: "value-${r().toString(36)}-${r() % 1000}"\n`;
    docs.push(y);
    size += y.length;
  }
  return new TextEncoder().encode(docs.join("---\n")).subarray(0, bytes);
}

