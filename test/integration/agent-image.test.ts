/**
 * The agent image as a tenant runs it: scripts/build-image.sh builds it with buildah (or reuses the
 * build for unchanged inputs); its entrypoint runs as a pod with readOnlyRootFilesystem would run it (the
 * image's root file system mounted read-only in a private mount namespace, chroot to it as user 65532,
 * a tmpfs /tmp and a data volume) with only a tenant ServiceAccount's kubeconfig, and reconciles a
 * GitRepository and a Kustomization on the control plane; under `buildah run` it renders a Helm chart
 * with the engine's WASM from share/rivulet. The image is then pushed to Debian's docker-registry on loopback,
 * pulled back by digest into separate storage, signed and verified with rivulet, and its SBOM attached
 * as a CycloneDX referrer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startRegistry, type TestRegistry } from "../support/oci-registry.ts";
import { startAgentCommand, startRivulet } from "../support/agent-process.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";
import { MEDIA } from "../../agent/source/oci/media-types.ts";
import { createFetch } from "../../agent/runtime/http-fetch.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import { installObjects } from "../../agent/install/install-objects.ts";
import { readTenantDocs } from "../../agent/cli/install.ts";

const env = { ...process.env, STORAGE_DRIVER: "vfs", BUILDAH_ISOLATION: "chroot" };
let admin: KubeClient;
let ns: string;
let git: GitServer;
let registry: TestRegistry;
let tag: string;
let dir: string;
const containers: string[] = [];
const probe = kustomizationProbe(() => ({ admin, namespace: ns }));

function buildah(...args: string[]): string {
  return execFileSync("buildah", args, { env, encoding: "utf8", maxBuffer: 64 << 20 }).trim();
}

/**
 * The image's entrypoint with `args`, as a pod with readOnlyRootFilesystem runs it: root file system
 * read-only, user 65532, /tmp a tmpfs, `binds` (host directory -> container directory) mounted over it.
 */
function runReadOnly(container: string, args: string[], binds: Record<string, string>) {
  const config = JSON.parse(buildah("inspect", "--type", "image", tag)).OCIv1.config as { Entrypoint: string[]; User: string };
  const root = buildah("mount", container);
  // Mount points exist in the container's own layer, before the root is made read-only.
  for (const p of ["proc", "dev", ...Object.values(binds).map((b) => b.slice(1))]) execFileSync("mkdir", ["-p", join(root, p)]);
  const m = join(dir, `ro-${container}`);
  const script = [
    "set -e",
    `mkdir -p ${m}`,
    `mount --bind ${root} ${m}`,
    `mount -o remount,bind,ro ${m}`,
    `mount -t proc proc ${m}/proc`,
    `mount --bind /dev ${m}/dev`,
    `mount -t tmpfs -o size=64m,mode=1777 tmpfs ${m}/tmp`,
    ...Object.entries(binds).map(([host, inside]) => `mount --bind ${host} ${m}${inside}`),
    `exec chroot --userspec ${config.User} ${m} ${[...config.Entrypoint, ...args].join(" ")}`,
  ].join("\n");
  return startAgentCommand(["unshare", "--mount", "--propagation", "private", "bash", "-c", script], env);
}

async function rivulet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = startRivulet(args);
  const code = await p.exited;
  return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
}

beforeAll(async () => {
  const build = spawnSync("bash", [join(repoRoot, "scripts/build-image.sh")], { env, encoding: "utf8", timeout: 300_000 });
  if (build.status !== 0) throw new Error(`scripts/build-image.sh failed: ${build.stderr}`);
  tag = build.stdout.trim().split("\n").pop()!;
  admin = await adminClient();
  ns = await uniqueNamespace("image");
  await installTenant(ns);
  git = await startGitServer();
  registry = await startRegistry();
  dir = mkdtempSync(join(tmpdir(), "rivulet-image-"));
}, 320_000);
afterAll(async () => {
  for (const c of containers) spawnSync("buildah", ["rm", c], { env });
  await git?.stop();
  await registry?.stop();
  await deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});

describe("the agent image", () => {
  test("is FROM scratch: the executable, its libraries, certificates, WASM, deploy/tenant and the SBOM, user 65532", () => {
    const config = JSON.parse(buildah("inspect", "--type", "image", tag)).OCIv1.config;
    expect(config.User).toBe("65532:65532");
    expect(config.Entrypoint).toEqual(["/usr/local/bin/rivulet"]);
    const c = buildah("from", "--pull-never", tag);
    containers.push(c);
    const root = buildah("mount", c);
    try {
      const files = execFileSync("find", [".", "-type", "f"], { cwd: root, encoding: "utf8" }).trim().split("\n").sort();
      expect(files).toContain("./usr/local/bin/rivulet");
      expect(files).toContain("./etc/ssl/certs/ca-certificates.crt");
      expect(files).toContain("./usr/local/share/rivulet/wasm/helm-template/build/helm-template.wasm");
      expect(files).toContain("./usr/local/share/rivulet/deploy/tenant/kustomization.yaml");
      expect(files.some((f) => /\/bin\/(ba|da)?sh$/.test(f))).toBe(false);
      const sbom = JSON.parse(readFileSync(join(root, "usr/local/share/rivulet/sbom.cdx.json"), "utf8"));
      expect(sbom.bomFormat).toBe("CycloneDX");
      const names = sbom.components.map((x: { name: string }) => x.name);
      const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
      for (const dep of Object.keys(pkg.dependencies)) expect(names).toContain(dep);
      // Development-only packages (the lockfile's dev: true) stay out; bun is there as the compiled-in runtime.
      const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")).packages as Record<string, { dev?: boolean }>;
      const devOnly = Object.keys(pkg.devDependencies).filter((d) => d !== "bun" && lock[`node_modules/${d}`]?.dev === true);
      expect(devOnly).toContain("typescript");
      for (const dev of devOnly) expect(names).not.toContain(dev);
      expect(names).toContain("libc6");
    } finally {
      buildah("umount", c);
    }
  });

  test("runs as a tenant agent on a read-only root file system and reconciles a GitRepository and a Kustomization", async () => {
    const commit = await git.createRepo("app", { "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-image\ndata:\n  built: by-the-image\n" });
    const config = join(dir, "config");
    execFileSync("mkdir", ["-p", config]);
    writeFileSync(join(config, "kubeconfig"), readFileSync(await serviceAccountKubeconfig(ns, "rivulet")));
    const data = join(dir, "data");
    execFileSync("mkdir", ["-p", data]);
    chownSync(data, 65532, 65532);
    const c = buildah("from", "--pull-never", tag);
    containers.push(c);
    const fm = { fieldManager: "rivulet-tests" };
    await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { url: git.url("app"), interval: "1m", ref: { branch: "master" } } }, fm);
    await admin.apply({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: ns }, spec: { sourceRef: { kind: "GitRepository", name: "app" }, path: "./deploy", interval: "1m", prune: true } }, fm);
    const started = Date.now();
    // The arguments `rivulet install` gives the Deployment, plus what a pod gets elsewhere: the kubeconfig
    // instead of the mounted token, and a free loopback port for probes.
    const deployment = installObjects({ namespace: ns, image: tag, allowKinds: [], artifactStorage: "emptydir" }, readTenantDocs()).find((o) => o.kind === "Deployment")!;
    const podArgs = (deployment.spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0]!.args;
    const agent = runReadOnly(c, [...podArgs, "--kubeconfig=/config/kubeconfig", "--health-addr=127.0.0.1:0", "--storage-addr=127.0.0.1:0"], {
      [config]: "/config",
      [data]: "/data",
    });
    try {
      await agent.waitForLog((l) => l.msg === "acquired the leader lease", 60_000);
      const leaderAfter = Date.now() - started;
      const ks = await probe.when("app", "Ready", (o) => o.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false, 90_000);
      expect(ks.status?.lastAppliedRevision).toBe(`master@sha1:${commit}`);
      const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "from-image" });
      expect(cm?.data).toEqual({ built: "by-the-image" });
      console.error(`[image] leader after ${leaderAfter} ms, Kustomization Ready after ${Date.now() - started} ms`);
      // The artifact was written by user 65532 on the volume.
      const owners = execFileSync("find", [data, "-name", "*.tar.gz", "-printf", "%u:%g\n"], { encoding: "utf8" }).trim().split("\n");
      expect(owners[0]).toMatch(/^(65532|nonroot):/);
    } finally {
      agent.child.kill("SIGTERM");
      await agent.exited;
    }
  }, 180_000);

  test("renders a Helm chart under buildah run with the engine's WASM from share/rivulet", () => {
    const c = buildah("from", "--pull-never", tag);
    containers.push(c);
    const chart = join(repoRoot, "agent/release/testdata/charts/app");
    const inImage = buildah("run", "--isolation", "chroot", "-v", `${chart}:/chart:ro`, c, "--", "/usr/local/bin/rivulet", "template", "demo", "/chart");
    const fromSources = execFileSync(join(repoRoot, "node_modules/.bin/bun"), [join(repoRoot, "agent/main.ts"), "template", "demo", chart], { encoding: "utf8" }).trim();
    expect(inImage).toContain("# Source: app/templates/configmap.yaml");
    expect(inImage).toBe(fromSources);
  });

  test("is pushed to a registry, pulled back by digest, signed, verified and given its SBOM as a referrer", async () => {
    const ref = `${registry.host}/rivulet:${tag.split(":").pop()}`;
    const digestFile = join(dir, "digest");
    buildah("push", "--tls-verify=false", "--digestfile", digestFile, tag, `docker://${ref}`);
    const digest = readFileSync(digestFile, "utf8").trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Pulled into empty storage, so every blob really comes from the registry.
    const store = join(dir, "pull");
    const pulled = execFileSync("buildah", ["--root", join(store, "root"), "--runroot", join(store, "run"), "pull", "--tls-verify=false", "--quiet", `docker://${registry.host}/rivulet@${digest}`], { env, encoding: "utf8" }).trim();
    expect(pulled).toBe(JSON.parse(buildah("inspect", "--type", "image", tag)).FromImageID);
    spawnSync("buildah", ["--root", join(store, "root"), "--runroot", join(store, "run"), "rmi", "--all", "--force"], { env });

    execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", join(dir, "cosign.key")]);
    execFileSync("openssl", ["pkey", "-in", join(dir, "cosign.key"), "-pubout", "-out", join(dir, "cosign.pub")]);
    const byDigest = `oci://${registry.host}/rivulet@${digest}`;
    const signed = await rivulet("sign", byDigest, "--key", join(dir, "cosign.key"), "--insecure");
    expect(signed.code).toBe(0);
    const verified = await rivulet("verify", `oci://${ref}`, "--key", join(dir, "cosign.pub"), "--insecure");
    expect(verified.err).toContain(`verified oci://${registry.host}/rivulet@${digest}: key legacy signature`);
    expect(verified.code).toBe(0);
    const sbomFile = join(dir, "sbom.cdx.json");
    const c = buildah("from", "--pull-never", tag);
    containers.push(c);
    const root = buildah("mount", c);
    writeFileSync(sbomFile, readFileSync(join(root, "usr/local/share/rivulet/sbom.cdx.json")));
    buildah("umount", c);
    const attached = await rivulet("push", "sbom", byDigest, "--file", sbomFile, "--insecure");
    expect(attached.code).toBe(0);
    const client = new RegistryClient({ host: registry.host, repository: "rivulet", fetch: createFetch(), insecure: true });
    const referrers = await client.referrers(digest);
    const sbomRef = referrers.find((r) => r.artifactType === MEDIA.cyclonedx);
    expect(sbomRef?.digest).toBe(attached.out.trim());
    const manifest = (await client.getManifest(sbomRef!.digest))!.json as { subject: { digest: string }; layers: Array<{ digest: string; size: number }> };
    expect(manifest.subject.digest).toBe(digest);
    expect(new TextDecoder().decode(await client.getBlob(manifest.layers[0]!))).toBe(readFileSync(sbomFile, "utf8"));
    // The image itself verifies still, with the SBOM beside its signature.
    expect((await rivulet("verify", byDigest, "--key", join(dir, "cosign.pub"), "--insecure")).code).toBe(0);
  }, 180_000);
});
