/**
 * ImageRepository and ImagePolicy end to end: Debian's docker-registry with htpasswd auth on loopback,
 * a kubernetes.io/dockerconfigjson Secret, the real control plane and the agent. The policy follows a
 * newly pushed tag once the repository rescans (the scan's new revision enqueues the policy), and a
 * policy naming a repository in another namespace stalls with AccessDenied.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startRegistry, type TestRegistry } from "../support/oci-registry.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { MEDIA } from "../../agent/source/oci/media-types.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";

const IMG = "image.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let reg: TestRegistry;
let agent: InProcessAgent;
let dir: string;
let registry: RegistryClient;

async function pushTag(tag: string): Promise<string> {
  const enc = new TextEncoder();
  const cfg = await registry.pushBlob(enc.encode("{}"));
  const layer = await registry.pushBlob(enc.encode(`layer ${tag}`));
  const manifest = enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.fluxConfig, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
  }));
  return registry.putManifest(tag, manifest, MEDIA.ociManifest);
}

const get = async (kind: string, name: string) => (await client.get({ apiVersion: IMG, kind, namespace: ns, name })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("images");
  reg = await startRegistry({ auth: true });
  registry = new RegistryClient({ host: reg.host, repository: "tenant/web", fetch, insecure: true, credentials: { username: reg.username!, password: reg.password! } });
  dir = mkdtempSync(join(tmpdir(), "rivulet-images-it-"));
  agent = await startAgent(client, ns, join(dir, "storage"));
});
afterAll(async () => {
  await agent?.stop();
  await reg?.stop();
  await deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});

describe("image automation: ImageRepository and ImagePolicy", () => {
  test("a policy resolves the latest pushed tag, and follows a new one after the next scan", async () => {
    for (const tag of ["1.0.0", "1.1.0", "1.1.0.sig", "latest"]) await pushTag(tag);
    const image = `${reg.host}/tenant/web`;
    const dockerconfig = JSON.stringify({ auths: { [reg.host]: { auth: btoa(`${reg.username}:${reg.password}`) } } });
    await client.apply({ apiVersion: "v1", kind: "Secret", type: "kubernetes.io/dockerconfigjson", metadata: { name: "pull", namespace: ns }, stringData: { ".dockerconfigjson": dockerconfig } }, fm);
    await client.apply({ apiVersion: IMG, kind: "ImageRepository", metadata: { name: "web", namespace: ns }, spec: { image, interval: "1h", insecure: true, secretRef: { name: "pull" } } }, fm);
    await client.apply({ apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "web", namespace: ns }, spec: { imageRepositoryRef: { name: "web" }, policy: { semver: { range: ">=1.0.0" } } } }, fm);

    const repo = await eventually("the ImageRepository to be Ready", async () => {
      const o = await get("ImageRepository", "web");
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    const scan = repo.status!.lastScanResult as { tagCount: number; latestTags: string[]; revision: string };
    expect(scan.tagCount).toBe(3);
    expect(scan.latestTags).toEqual(["latest", "1.1.0", "1.0.0"]);
    expect(cond(repo, "Ready")?.message).toBe(`successful scan: found 3 tags with checksum ${scan.revision}`);
    expect(repo.status!.canonicalImageName).toBe(image);
    expect(repo.status!.observedExclusionList).toEqual(["^.*\\.sig$"]);

    const first = await eventually("the ImagePolicy to resolve 1.1.0", async () => {
      const o = await get("ImagePolicy", "web");
      return (o?.status?.latestRef as { tag?: string } | undefined)?.tag === "1.1.0" ? o : undefined;
    });
    expect(cond(first, "Ready")?.message).toBe(`Latest image tag for ${image} resolved to 1.1.0`);

    await pushTag("1.2.0");
    await client.patch({ apiVersion: IMG, kind: "ImageRepository", namespace: ns, name: "web" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "rescan" } } }, "merge");
    const next = await eventually("the ImagePolicy to follow 1.2.0", async () => {
      const o = await get("ImagePolicy", "web");
      return (o?.status?.latestRef as { tag?: string } | undefined)?.tag === "1.2.0" ? o : undefined;
    });
    expect(next.status!.observedPreviousRef).toEqual({ name: image, tag: "1.1.0" });
    expect(cond(next, "Ready")?.message).toBe(`Latest image tag for ${image} resolved to 1.2.0 (previously ${image}:1.1.0)`);
  }, 120_000);

  test("a policy naming an ImageRepository in another namespace stalls with AccessDenied", async () => {
    await client.apply(
      { apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "elsewhere", namespace: ns }, spec: { imageRepositoryRef: { name: "web", namespace: "kube-system" }, policy: { alphabetical: {} } } },
      fm,
    );
    const o = await eventually("the ImagePolicy to stall", async () => {
      const o = await get("ImagePolicy", "elsewhere");
      return cond(o, "Stalled")?.status === "True" ? o : undefined;
    });
    expect(cond(o, "Stalled")?.reason).toBe("AccessDenied");
    expect(cond(o, "Ready")?.message).toBe("failed to get the referred ImageRepository: cannot access 'ImageRepository/kube-system/web', cross-namespace references have been blocked");
    expect(o.status?.latestRef).toBeUndefined();
  }, 60_000);
});
