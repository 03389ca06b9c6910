/**
 * OCI pull + verify + unpack of a Flux artifact with ~1,000 Kubernetes manifests, from Debian's
 * docker-registry on loopback: time per stage (resolve = HEAD of the tag, verify = cosign signature
 * check, pull = manifest + layer blob with streaming digest check, unpack = in-memory extract), and
 * verification as a fraction of the whole (goal < 10%). Verification is measured three ways: key-based
 * legacy `.sig`, key-based v3 bundle, keyless v3 bundle (offline CA, @sigstore/verify). Peer in the same
 * run: `tar xzf` of the same layer (unpack) and `curl` of the same blob (pull). Median of RUNS runs;
 * the machine is shared and noisy.
 *
 *   bun bench/oci.ts            (or deno run -A bench/oci.ts)
 */
import "../agent/runtime/sigstore-shim.ts";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTree } from "../agent/artifact/file-tree.ts";
import { pack } from "../agent/artifact/pack.ts";
import { unpack } from "../agent/artifact/unpack.ts";
import { MEDIA } from "../agent/source/oci/media-types.ts";
import { pushArtifact } from "../agent/source/oci/push-artifact.ts";
import { RegistryClient, type ImageManifest } from "../agent/source/oci/registry-client.ts";
import { signOciArtifact } from "../agent/verify/sign-oci-artifact.ts";
import { verifyOciArtifact } from "../agent/verify/verify-oci-artifact.ts";
import { nativeSha256 } from "../agent/runtime/native-digest.ts";
import { nativeGunzip } from "../agent/runtime/native-gunzip.ts";
import { startRegistry } from "../test/support/oci-registry.ts";
import { keylessFixture } from "../test/support/sigstore-fixtures.ts";

const RUNS = Number((globalThis as { process?: { env: Record<string, string> } }).process?.env.BENCH_RUNS ?? 7);
const MANIFESTS = 1000;
const enc = new TextEncoder();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();

/** Incompressible filler, so the layer is as large as real manifests make it (not 30 KiB of repeats). */
const randomHex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n / 2))].map((b) => b.toString(16).padStart(2, "0")).join("");
const tree = new FileTree();
for (let i = 0; i < MANIFESTS; i++) {
  const kind = ["ConfigMap", "Service", "ServiceAccount", "Deployment"][i % 4];
  tree.set(`apps/app-${Math.floor(i / 4)}/${kind!.toLowerCase()}.yaml`, {
    kind: "file", mode: 0o644,
    data: enc.encode(`apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: app-${i}\n  namespace: tenant\n  labels: {app: app-${i}, tier: web}\ndata:\n  key: "${randomHex(400)}"\n  config: |\n${Array.from({ length: 20 }, (_, j) => `    line ${j}: value-${i}-${j}`).join("\n")}\n`),
  });
}
const packed = await pack(tree, { sha256: nativeSha256 });

const reg = await startRegistry();
const gunzip = nativeGunzip();
try {
  const repos = { legacy: "bench/legacy", bundle: "bench/bundle", keyless: "bench/keyless" } as const;
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = key.publicKey.export({ type: "spki", format: "pem" }) as string;
  const sign = async (d: Uint8Array) => new Uint8Array(nodeSign("sha256", d, key.privateKey));
  const digests: Record<string, string> = {};
  let trustedRootJson = "";
  for (const [mode, repo] of Object.entries(repos)) {
    const c = new RegistryClient({ host: reg.host, repository: repo, fetch, insecure: true, sha256: nativeSha256 });
    const { digest } = await pushArtifact(c, { tag: "v1", layer: packed.bytes, sha256: nativeSha256, gunzip });
    digests[mode] = digest;
    if (mode === "legacy") await signOciArtifact({ client: c, digest, sign, format: "legacy" });
    if (mode === "bundle") await signOciArtifact({ client: c, digest, sign, format: "bundle" });
    if (mode === "keyless") {
      const fx = await keylessFixture({ digest });
      trustedRootJson = JSON.stringify(fx.trustedRoot);
      const cfg = await c.pushBlob(enc.encode("{}"));
      const blob = await c.pushBlob(enc.encode(JSON.stringify(fx.bundle)));
      const head = await c.headManifest("v1");
      const ref = enc.encode(JSON.stringify({
        schemaVersion: 2, mediaType: MEDIA.ociManifest, artifactType: MEDIA.sigstoreBundleV03,
        config: { mediaType: MEDIA.ociEmpty, digest: cfg.digest, size: cfg.size },
        layers: [{ mediaType: MEDIA.sigstoreBundleV03, digest: blob.digest, size: blob.size }],
        subject: { mediaType: MEDIA.ociManifest, digest, size: head!.size },
      }));
      const h = new Uint8Array(await crypto.subtle.digest("SHA-256", ref));
      const rd = `sha256:${[...h].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
      await c.putManifest(rd, ref, MEDIA.ociManifest);
      await c.putManifest(digest.replace(":", "-"), enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex,
        manifests: [{ mediaType: MEDIA.ociManifest, digest: rd, size: ref.length, artifactType: MEDIA.sigstoreBundleV03 }] })), MEDIA.ociIndex);
    }
  }

  const rows: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "rivulet-bench-oci-"));
  writeFileSync(join(tmp, "layer.tgz"), packed.bytes);
  for (const mode of ["legacy", "bundle", "keyless"] as const) {
    const t = { share: [] as number[], resolve: [] as number[], verify: [] as number[], pull: [] as number[], unpack: [] as number[], total: [] as number[], tar: [] as number[], curl: [] as number[] };
    for (let run = 0; run < RUNS + 1; run++) {
      const c = new RegistryClient({ host: reg.host, repository: repos[mode], fetch, insecure: true, sha256: nativeSha256 });
      const t0 = now();
      const head = await c.headManifest("v1");
      const t1 = now();
      const v = await verifyOciArtifact(mode === "keyless"
        ? { client: c, digest: head!.digest, trustedRootJson, identities: [{ issuer: "^https://token\\.actions\\.githubusercontent\\.com$", subject: "^https://github\\.com/acme/" }] }
        : { client: c, digest: head!.digest, keys: [{ name: "cosign.pub", pem }] });
      if (!v.verified) throw new Error(`bench: verification failed: ${v.message}`);
      const t2 = now();
      const m = await c.getManifest(head!.digest);
      const layer = (m!.json as ImageManifest).layers[0]!;
      const bytes = await c.getBlob(layer);
      const t3 = now();
      const files = await unpack(bytes, { gunzip, sha256: nativeSha256, skipSymlinks: true });
      const t4 = now();
      if (files.size < MANIFESTS) throw new Error("bench: unpacked too few files");
      const out = join(tmp, `x${run}`);
      execFileSync("mkdir", ["-p", out]);
      const p0 = now();
      execFileSync("tar", ["xzf", join(tmp, "layer.tgz"), "-C", out]);
      const p1 = now();
      execFileSync("curl", ["-s", "-o", "/dev/null", `http://${reg.host}/v2/${repos[mode]}/blobs/${layer.digest}`]);
      const p2 = now();
      if (run === 0) continue; // warm-up
      t.resolve.push(t1 - t0); t.verify.push(t2 - t1); t.pull.push(t3 - t2); t.unpack.push(t4 - t3); t.total.push(t4 - t0); t.share.push((t2 - t1) / (t4 - t0));
      t.tar.push(p1 - p0); t.curl.push(p2 - p1);
    }
    const f = (xs: number[]) => median(xs).toFixed(1);
    const share = median(t.share) * 100;
    rows.push(`| ${mode} | ${f(t.resolve)} | ${f(t.verify)} | ${f(t.pull)} | ${f(t.unpack)} | ${f(t.total)} | ${share.toFixed(1)}% | ${f(t.curl)} | ${f(t.tar)} |`);
  }
  rmSync(tmp, { recursive: true, force: true });
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  const runtime = g.Bun ? `bun ${g.Bun.version}` : g.Deno ? `deno ${g.Deno.version.deno}` : "node";
  console.log(`runtime: ${runtime}; artifact: ${MANIFESTS} manifests, layer ${(packed.bytes.length / 1024).toFixed(0)} KiB compressed; median of ${RUNS} runs (ms)`);
  console.log("| verify mode | resolve | verify | pull | unpack | total | verify share (median of per-run shares) | peer: curl blob | peer: tar xzf |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
} finally {
  await reg.stop();
}
