/**
 * What spec.decryption adds to a Kustomization reconcile: the build stage as the reconciler runs it
 * (fluxBuild with the decryption hooks of agent/reconcile/kustomization-decrypt.ts, over the unpacked
 * artifact in memory), for a repository of N Secrets (8 `stringData` values of 40 bytes each), in two
 * shapes: N sops-encrypted Secret manifests (decrypted after the build, MAC checked on each file), and
 * N sops-encrypted env files behind N secretGenerators (decrypted before the build). Peers in the same
 * run: the same repository in plaintext built without decryption (the reconcile as it was) and with
 * decryption configured but nothing encrypted (the cost of the walk and the leftover check alone). The
 * rest of a reconcile (apply, prune, health) sees the same objects either way, so the build's difference
 * is the reconcile's. Median of RUNS, the three interleaved. Run: `bun bench/sops-kustomization.ts [N]`.
 */
import { generateIdentity, identityToRecipient } from "age-encryption";
import { textFileTree, type FileTree } from "../agent/artifact/file-tree.ts";
import { fluxBuild } from "../agent/kustomize/flux-build.ts";
import { buildDecryption } from "../agent/reconcile/kustomization-decrypt.ts";
import { encryptSops, keyringFromSecretData, type SopsKeyring } from "../agent/sops/sops.ts";
import { emitDocuments } from "../agent/yaml/emit.ts";

const N = Number(process.argv[2] ?? 1000);
const VALUES = 8;
const RUNS = 5;
const te = new TextEncoder();
const td = new TextDecoder();

const id = await generateIdentity();
const recipient = await identityToRecipient(id);
const keyring = await keyringFromSecretData({ "bench.agekey": te.encode(id) });

const value = (i: number, v: number) => `${"x".repeat(32)}${String(i * VALUES + v).padStart(8, "0")}`;
// Written in the order people write them (metadata, type, then data), not sorted: the MAC is checked on
// the file as committed, so any key order opens.
const secretYaml = (i: number) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-${i}\ntype: Opaque\nstringData:\n${Array.from({ length: VALUES }, (_, v) => `  key-${v}: ${value(i, v)}`).join("\n")}\n`;
const envFile = (i: number) => Array.from({ length: VALUES }, (_, v) => `KEY_${v}=${value(i, v)}`).join("\n") + "\n";

async function repo(shape: "manifests" | "env files", encrypted: boolean): Promise<FileTree> {
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (let i = 0; i < N; i++) {
    if (shape === "manifests") {
      const plain = secretYaml(i);
      files[`secrets/secret-${i}.yaml`] = encrypted ? td.decode(await encryptSops(te.encode(plain), { format: "yaml", age: [recipient], encryptedRegex: "^(data|stringData)$" })) : plain;
      names.push(`secrets/secret-${i}.yaml`);
    } else {
      const plain = envFile(i);
      files[`env/secret-${i}.env`] = encrypted ? td.decode(await encryptSops(te.encode(plain), { format: "dotenv", age: [recipient] })) : plain;
      names.push(`env/secret-${i}.env`);
    }
  }
  files["kustomization.yaml"] =
    shape === "manifests"
      ? `resources:\n${names.map((n) => `- ${n}`).join("\n")}\n`
      : `secretGenerator:\n${names.map((n, i) => `- name: secret-${i}\n  envs: [${n}]`).join("\n")}\n`;
  return textFileTree(files);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One reconcile's build: a fresh decryption per build, as buildKustomizationObjects makes one. */
async function build(tree: FileTree, keys: SopsKeyring | undefined): Promise<{ ms: number; objects: number }> {
  const t0 = performance.now();
  const d = keys ? buildDecryption(keys).hooks : {};
  const { objects } = await fluxBuild(tree, { path: "" }, { emit: emitDocuments, ...d });
  return { ms: performance.now() - t0, objects: objects.length };
}

/** Median per variant, the variants interleaved run by run so load and JIT drift hit them alike. */
async function measure(variants: [FileTree, SopsKeyring | undefined][]): Promise<{ ms: number; objects: number }[]> {
  for (const [tree, keys] of variants) await build(tree, keys); // warm-up: JIT, first reads
  const runs: number[][] = variants.map(() => []);
  const objects: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const [i, [tree, keys]] of variants.entries()) {
      const m = await build(tree, keys);
      runs[i]!.push(m.ms);
      objects[i] = m.objects;
    }
  }
  return runs.map((ms, i) => ({ ms: median(ms), objects: objects[i]! }));
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
console.log(`sops-kustomization: ${N} Secrets x ${VALUES} values, median of ${RUNS}, ${typeof Bun !== "undefined" ? `Bun ${Bun.version}` : "Deno"}`);
console.log("| shape | plain, no decryption | plain, decryption on | encrypted, decrypted | added by decryption | per Secret | x plain |");
console.log("|---|---|---|---|---|---|---|");
for (const shape of ["manifests", "env files"] as const) {
  const plain = await repo(shape, false);
  const enc = await repo(shape, true);
  const [base, walk, dec] = (await measure([[plain, undefined], [plain, keyring], [enc, keyring]])) as [{ ms: number; objects: number }, { ms: number; objects: number }, { ms: number; objects: number }];
  if (dec.objects !== base.objects) throw new Error(`${shape}: ${dec.objects} objects decrypted, ${base.objects} plain`);
  const added = dec.ms - base.ms;
  console.log(`| ${shape} | ${fmt(base.ms)} | ${fmt(walk.ms)} | ${fmt(dec.ms)} | ${fmt(added)} | ${(added / N).toFixed(2)} ms | ${(dec.ms / base.ms).toFixed(1)}x |`);
}
