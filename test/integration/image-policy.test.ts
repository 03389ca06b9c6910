/**
 * ImageRepository and ImagePolicy end to end: Debian's docker-registry with htpasswd auth on loopback,
 * a kubernetes.io/dockerconfigjson Secret, the real control plane and the agent. The policy follows a
 * newly pushed tag once the repository rescans (the scan's new revision enqueues the policy), and a
 * policy naming a repository in another namespace stalls with AccessDenied. The `rivulet` commands for
 * both kinds (create, reconcile, get images, suspend, resume) run as a user runs them, as processes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRegistry, type TestRegistry } from "../support/oci-registry.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { startRivulet } from "../support/agent-process.ts";
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

  test("the CLI creates, reconciles, lists, suspends and resumes both kinds", async () => {
    const kubeconfig = (await testCluster()).kubeconfig;
    const rivulet = async (...args: string[]) => {
      const p = startRivulet([...args, "--kubeconfig", kubeconfig, "-n", ns]);
      const code = await p.exited;
      return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
    };
    const image = `${reg.host}/tenant/web`;
    // The tags the first test pushed: 1.0.0, 1.1.0, 1.2.0, latest (1.1.0.sig is excluded by default).
    expect((await rivulet("create", "image", "repository", "cli", "--image", image, "--secret-ref", "pull", "--insecure", "--interval", "1h")).code).toBe(0);
    const created = await rivulet("create", "image", "policy", "cli", "--image-ref", "cli", "--select-semver", ">=1.0.0 <1.2.0");
    expect(created.err).toContain("✔ ImagePolicy created");
    expect(created.code).toBe(0);

    const scanned = await rivulet("reconcile", "image", "repository", "cli", "--timeout", "60s");
    expect(scanned.err).toContain("✔ scan fetched 4 tags");
    expect(scanned.code).toBe(0);
    const selected = await rivulet("reconcile", "image", "policy", "cli", "--timeout", "60s");
    expect(selected.err).toContain(`✔ selected latest image ${image}:1.1.0`);
    expect(selected.code).toBe(0);

    const repos = await rivulet("get", "images", "repository", "cli");
    expect(repos.out.split("\n")[0]).toMatch(/^NAME\s+LAST SCAN\s+SUSPENDED\s+READY\s+MESSAGE$/);
    const scanTime = ((await get("ImageRepository", "cli"))!.status!.lastScanResult as { scanTime: string }).scanTime;
    expect(repos.out).toMatch(new RegExp(`^cli\\s+${scanTime}\\s+False\\s+True\\s+successful scan: found 4 tags with checksum`, "m"));
    const policies = await rivulet("get", "images", "policy");
    expect(policies.out.split("\n")[0]).toMatch(/^NAME\s+LATEST IMAGE\s+READY\s+MESSAGE$/);
    expect(policies.out).toContain(`Latest image tag for ${image} resolved to 1.1.0`);
    expect(policies.out).toMatch(new RegExp(`^cli\\s+${image.replace(/[.]/g, "\\.")}:1\\.1\\.0\\s+True\\s+`, "m"));

    expect((await rivulet("suspend", "image", "repository", "cli")).code).toBe(0);
    expect((await rivulet("get", "images", "repository", "cli")).out).toMatch(/^cli\s+\S+\s+True\s+True\s+/m);
    const refused = await rivulet("reconcile", "image", "repository", "cli");
    expect(refused.code).toBe(3);
    expect(refused.err).toContain(`ImageRepository/${ns}/cli is suspended: run 'rivulet resume' first`);
    const resumed = await rivulet("resume", "image", "repository", "cli", "--timeout", "60s");
    expect(resumed.err).toContain("✔ ImageRepository reconciliation completed: successful scan: found 4 tags");
    expect(resumed.code).toBe(0);

    const missing = await rivulet("get", "images", "policy", "nope");
    expect(missing.code).toBe(3);
    expect(missing.err).toBe(`✗ ImagePolicy ${ns}/nope not found`);
  }, 120_000);
});
