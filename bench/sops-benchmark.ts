/**
 * What decrypting sops files costs: a 1,000-Secret repository (each Secret 8 `stringData` values of 40
 * bytes, encrypted by our encryptor for one age recipient with encrypted_regex ^(data|stringData)$, as
 * Flux's guide makes them) is decrypted file by file as the Kustomization build does it, reporting
 * values/s and MB/s of encrypted YAML, and split into the per-file data-key unwrap (age X25519) and the
 * per-value work (AES-256-GCM, SHA-512 MAC, parse and emit), and the same Secrets decrypted as parsed
 * resources (decryptSopsObject: what the Kustomization build does after kustomize). Peer in the same run: the same values
 * decrypted with node:crypto alone (AES-GCM + SHA-512, no parsing, no key unwrap), the floor of the
 * per-value work. Median of RUNS. Run: `bun bench/sops-benchmark.ts [SECRETS]`, `deno run -A bench/sops-benchmark.ts`.
 */
import { createDecipheriv, createHash } from "node:crypto";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { decryptSops, decryptSopsObject, encryptSops, keyringFromSecretData } from "../agent/sops/sops.ts";
import { parseDocuments } from "../agent/yaml/parse.ts";
import { loadEncrypted } from "../agent/sops/sops-file.ts";
import { openDataKey } from "../agent/sops/data-key.ts";
import { base64Decode } from "../agent/core/bytes.ts";

const SECRETS = Number(process.argv[2] ?? 1000);
const VALUES = 8;
const RUNS = 5;

const id = await generateIdentity();
const keyring = await keyringFromSecretData({ "bench.agekey": new TextEncoder().encode(id) });
const recipient = await identityToRecipient(id);

const files: Uint8Array[] = [];
for (let i = 0; i < SECRETS; i++) {
  const data = Array.from({ length: VALUES }, (_, v) => `    key-${v}: ${"x".repeat(32)}${String(i * VALUES + v).padStart(8, "0")}`).join("\n");
  // Keys in sorted order, as `kubectl create secret --dry-run=client -o yaml` writes them: Flux hashes
  // a resource in the sorted order of Go's json.Marshal, so only such files open in the build.
  const plain = `apiVersion: v1\nkind: Secret\nmetadata:\n    name: secret-${i}\n    namespace: tenant\nstringData:\n${data}\ntype: Opaque\n`;
  files.push(await encryptSops(new TextEncoder().encode(plain), { format: "yaml", age: [recipient], encryptedRegex: "^(data|stringData)$" }));
}
const bytes = files.reduce((n, f) => n + f.length, 0);
const values = SECRETS * VALUES;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

const full = await time(async () => {
  for (const [i, f] of files.entries()) await decryptSops(f, { format: "yaml", keyring, name: `secret-${i}.yaml` });
});
// The build's path: kustomize has parsed the resources; each one carrying a sops block is decrypted.
const objects = files.map((f) => parseDocuments(new TextDecoder().decode(f))[0]);
const build = await time(async () => {
  for (const [i, o] of objects.entries()) await decryptSopsObject(o, { keyring, name: `Secret/tenant/secret-${i}` });
});
const parsed = files.map((f) => loadEncrypted(f, "yaml"));
const unwrap = await time(async () => {
  for (const { metadata } of parsed) await openDataKey(metadata.keyGroups, 0, keyring);
});
const keys = await Promise.all(parsed.map(({ metadata }) => openDataKey(metadata.keyGroups, 0, keyring)));

// The floor: every encrypted value and the MAC through node:crypto, nothing else.
const ENC = /ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:[a-z]+\]/g;
const floor = await time(async () => {
  for (const [i, f] of files.entries()) {
    const text = new TextDecoder().decode(f);
    const hash = createHash("sha512");
    for (const m of text.matchAll(ENC)) {
      const d = createDecipheriv("aes-256-gcm", keys[i]!, base64Decode(m[2]!));
      d.setAAD(new TextEncoder().encode("stringData:key:"));
      d.setAuthTag(base64Decode(m[3]!));
      hash.update(d.update(base64Decode(m[1]!)));
      try {
        d.final();
      } catch {
        // The AAD is not the value's path here: only the cost is measured.
      }
    }
    hash.digest("hex");
  }
});

const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "node";
const mb = bytes / 1e6;
console.log(`runtime ${runtime}; ${SECRETS} Secrets, ${values} encrypted values, ${mb.toFixed(2)} MB of sops YAML; median of ${RUNS}`);
console.log(`decrypt all files         ${full.toFixed(0).padStart(6)} ms  ${(values / (full / 1000)).toFixed(0).padStart(8)} values/s  ${(mb / (full / 1000)).toFixed(2)} MB/s  ${(full / SECRETS).toFixed(2)} ms/file`);
console.log(`  data-key unwrap (age)   ${unwrap.toFixed(0).padStart(6)} ms  ${(unwrap / SECRETS).toFixed(2)} ms/file`);
console.log(`  values, MAC, parse+emit ${(full - unwrap).toFixed(0).padStart(6)} ms  ${(values / ((full - unwrap) / 1000)).toFixed(0).padStart(8)} values/s`);
console.log(`decrypt parsed resources  ${build.toFixed(0).padStart(6)} ms  ${(values / (build / 1000)).toFixed(0).padStart(8)} values/s  ${(build / SECRETS).toFixed(2)} ms/resource (the Kustomization build's path)`);
console.log(`peer: node:crypto floor   ${floor.toFixed(0).padStart(6)} ms  ${(values / (floor / 1000)).toFixed(0).padStart(8)} values/s  (per-value work ${((full - unwrap) / floor).toFixed(1)}x the floor)`);
