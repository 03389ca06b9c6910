// ImageRepository and ImagePolicy reconcilers against Debian's docker-registry (htpasswd auth), with the
// artifact store in memory: scan, tag file, policy over the stored tags, digest reflection, and the
// messages, reasons and events Flux writes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { ImagePolicySpec, ImagePolicyStatus } from "../api/image-policy.ts";
import type { ImageRepositorySpec, ImageRepositoryStatus } from "../api/image-repository.ts";
import { createLogger } from "../core/logger.ts";
import { RivuletError } from "../core/errors.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { MEDIA } from "../source/oci/media-types.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import type { EventInput } from "../status/events.ts";
import { ArtifactStore, type StoreFs } from "../storage/artifact-store.ts";
import { startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { imagePolicyReconciler } from "./image-policy.ts";
import { imageRepositoryReconciler, TAGS_FILE } from "./image-repository.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";

const NOW = new Date("2026-12-06T03:00:00Z");
type RepoObj = KindObject<ImageRepositorySpec, ImageRepositoryStatus>;
type PolicyObj = KindObject<ImagePolicySpec, ImagePolicyStatus>;

function memStore() {
  const files = new Map<string, Uint8Array>();
  const fs: StoreFs = {
    writeAtomic: async (path, data) => void files.set(path, data),
    read: async (path) => files.get(path),
    list: async (dir) => [...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => ({ name: p.slice(dir.length + 1), mtimeMs: 0 })),
    remove: async (path) => void files.delete(path),
    removeDir: async (path) => {
      for (const p of [...files.keys()]) if (p.startsWith(`${path}/`)) files.delete(p);
    },
  };
  return { store: new ArtifactStore(fs, { baseUrl: "http://rivulet.apps.svc", now: () => NOW }), files };
}

function context<S>(objects: KubeObject[], secrets: Record<string, Record<string, string>> = {}) {
  const events: EventInput[] = [];
  const reads: string[] = [];
  const client = {
    get: async (key: { kind: string; namespace?: string; name: string }) => {
      reads.push(`${key.kind}/${key.namespace}/${key.name}`);
      return key.kind === "Secret" && key.namespace === "apps" && secrets[key.name]
        ? { apiVersion: "v1", kind: "Secret", metadata: { name: key.name }, stringData: secrets[key.name] }
        : undefined;
    },
  } as unknown as KubeClient;
  const ctx: ReconcileContext<S> = {
    client,
    log: createLogger(() => {}),
    events: { record: async (_obj, e) => void events.push(e) },
    now: () => NOW,
    status: () => ({}) as S,
    read: async (key) => {
      reads.push(`${key.kind}/${key.namespace}/${key.name}`);
      return objects.find((o) => o.kind === key.kind && o.metadata.name === key.name && o.metadata.namespace === key.namespace);
    },
    progress: async () => {},
  };
  return { ctx, events, reads };
}

const sha256Lines = (tags: string[]) => `sha256:${createHash("sha256").update(tags.map((t) => `${t}\n`).join("")).digest("hex")}`;
const errorOf = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as RivuletError;

let reg: TestRegistry;
const digests: Record<string, string> = {};
const pushed = ["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", "latest", "sha256-0a1b.sig"];
const pullSecret = () => ({ ".dockerconfigjson": JSON.stringify({ auths: { [reg.host]: { username: reg.username, password: reg.password } } }) });

beforeAll(async () => {
  reg = await startRegistry({ auth: true });
  const c = new RegistryClient({ host: reg.host, repository: "apps/web", fetch, insecure: true, credentials: { username: reg.username!, password: reg.password! } });
  const enc = new TextEncoder();
  const cfg = await c.pushBlob(enc.encode("{}"));
  for (const tag of pushed) {
    const layer = await c.pushBlob(enc.encode(`layer ${tag}`));
    const manifest = enc.encode(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.fluxConfig, digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
    }));
    digests[tag] = await c.putManifest(tag, manifest, MEDIA.ociManifest);
  }
}, 60_000);
afterAll(async () => reg?.stop());

const repo = (spec: Partial<ImageRepositorySpec> = {}): RepoObj => ({
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImageRepository",
  metadata: { name: "web", namespace: "apps", generation: 1 },
  spec: { image: `${reg.host}/apps/web`, interval: "5m", insecure: true, secretRef: { name: "pull" }, ...spec },
});
const policy = (spec: Partial<ImagePolicySpec>, status?: ImagePolicyStatus): PolicyObj => ({
  apiVersion: "image.toolkit.fluxcd.io/v1",
  kind: "ImagePolicy",
  metadata: { name: "web", namespace: "apps", generation: 1 },
  spec: { imageRepositoryRef: { name: "web" }, policy: { semver: { range: ">=1.0.0" } }, ...spec },
  status,
});
const deps = (store: ArtifactStore) => ({ store, fetchFor: () => createFetch({}) });

describe("ImageRepository reconciler", () => {
  test("scans the registry, keeps the tag file in the store and reports Flux's scan result", async () => {
    const { store, files } = memStore();
    const { ctx, events } = context<ImageRepositoryStatus>([], { pull: pullSecret() });
    const result = await imageRepositoryReconciler(deps(store)).reconcile(repo(), ctx);
    const kept = ["latest", "2.0.0-rc.1", "1.2.0", "1.10.0", "1.0.0"];
    const revision = sha256Lines(kept);
    expect(result).toEqual({
      reason: "Succeeded",
      message: `successful scan: found 5 tags with checksum ${revision}`,
      status: {
        lastScanResult: { tagCount: 5, latestTags: kept, revision, scanTime: "2026-12-06T03:00:00Z" },
        canonicalImageName: `${reg.host}/apps/web`,
        observedExclusionList: ["^.*\\.sig$"],
      },
    });
    expect(new TextDecoder().decode(files.get(`imagerepository/apps/web/${TAGS_FILE}`))).toBe(kept.map((t) => `${t}\n`).join(""));
    expect(events).toEqual([{ type: "Normal", reason: "Succeeded", message: result.message }]);
  });

  test("no event when a scan finds the same tags again", async () => {
    const { store } = memStore();
    const { ctx, events } = context<ImageRepositoryStatus>([], { pull: pullSecret() });
    const first = await imageRepositoryReconciler(deps(store)).reconcile(repo(), ctx);
    const again = { ...repo(), status: { ...first.status, conditions: [{ type: "Ready", status: "True" as const, reason: "Succeeded", message: first.message, lastTransitionTime: "2026-12-06T02:00:00Z" }] } };
    events.length = 0;
    await imageRepositoryReconciler(deps(store)).reconcile(again, ctx);
    expect(events).toEqual([]);
  });

  test.each([
    [{ image: `https://${"127.0.0.1:1"}/apps/web` }, "ImageURLInvalid", "terminal", "image 'https://127.0.0.1:1/apps/web' should not include URL scheme; remove 'https://'"],
    [{ image: "ghcr.io/org/app:v1" }, "ImageURLInvalid", "terminal", "image 'ghcr.io/org/app:v1' should not include a tag; remove ':v1'"],
    [{ provider: "aws" as const }, "AuthenticationFailed", "terminal", "ImageRepository/apps/web: provider 'aws' is not supported by rivulet: cloud registry auto-login needs the provider's workload identity; use a secretRef"],
    [{ secretRef: { name: "missing" } }, "AuthenticationFailed", "transient", "Secret/apps/missing referenced by ImageRepository/apps/web not found: create it or fix the reference"],
    [{ exclusionList: ["("] }, "ReadOperationFailed", "transient", "scan failed: failed to compile regex (: error parsing regexp: missing closing ): `(`"],
  ])("%j fails with %s", async (spec, reason, kind, message) => {
    const { store } = memStore();
    const { ctx } = context<ImageRepositoryStatus>([], { pull: pullSecret() });
    const err = await errorOf(imageRepositoryReconciler(deps(store)).reconcile(repo(spec), ctx));
    expect({ reason: err.reason, kind: err.kind as string, message: err.message }).toEqual({ reason, kind, message });
  });

  test("wrong credentials fail the scan with a message that holds no password", async () => {
    const { store } = memStore();
    const bad = { ".dockerconfigjson": JSON.stringify({ auths: { [reg.host]: { username: reg.username, password: "not-the-pass" } } }) };
    const { ctx } = context<ImageRepositoryStatus>([], { pull: bad });
    const err = await errorOf(imageRepositoryReconciler(deps(store)).reconcile(repo(), ctx));
    expect(err.reason).toBe("ReadOperationFailed");
    expect(err.message).toBe(`scan failed: Cannot authenticate to ${reg.host}: the registry refused the credentials`);
  });

  test("a finalized repository leaves no tag file behind", async () => {
    const { store, files } = memStore();
    const { ctx } = context<ImageRepositoryStatus>([], { pull: pullSecret() });
    const r = imageRepositoryReconciler(deps(store));
    await r.reconcile(repo(), ctx);
    await r.finalize!(repo(), ctx);
    expect([...files.keys()]).toEqual([]);
  });
});

describe("ImagePolicy reconciler", () => {
  async function scanned() {
    const { store } = memStore();
    const { ctx } = context<ImageRepositoryStatus>([], { pull: pullSecret() });
    await imageRepositoryReconciler(deps(store)).reconcile(repo(), ctx);
    return store;
  }

  test("chooses the latest tag from the stored scan and says so as Flux", async () => {
    const store = await scanned();
    const { ctx, events } = context<ImagePolicyStatus>([repo()], { pull: pullSecret() });
    const result = await imagePolicyReconciler(deps(store)).reconcile(policy({}), ctx);
    const name = `${reg.host}/apps/web`;
    expect(result).toEqual({
      reason: "Succeeded",
      message: `Latest image tag for ${name} resolved to 1.10.0`,
      status: { latestRef: { name, tag: "1.10.0" }, observedPreviousRef: undefined },
    });
    expect(events).toEqual([{ type: "Normal", reason: "Succeeded", message: result.message }]);
  });

  test("a new latest image keeps the previous one and names it in the message", async () => {
    const store = await scanned();
    const name = `${reg.host}/apps/web`;
    const { ctx } = context<ImagePolicyStatus>([repo()], { pull: pullSecret() });
    const result = await imagePolicyReconciler(deps(store)).reconcile(
      policy({ policy: { semver: { range: ">=1.0.0-0" } } }, { latestRef: { name, tag: "1.10.0" } }),
      ctx,
    );
    expect(result.status).toEqual({ latestRef: { name, tag: "2.0.0-rc.1" }, observedPreviousRef: { name, tag: "1.10.0" } });
    expect(result.message).toBe(`Latest image tag for ${name} resolved to 2.0.0-rc.1 (previously ${name}:1.10.0)`);
  });

  test("digestReflectionPolicy Always reads the digest from the registry", async () => {
    const store = await scanned();
    const { ctx } = context<ImagePolicyStatus>([repo()], { pull: pullSecret() });
    const result = await imagePolicyReconciler(deps(store)).reconcile(policy({ digestReflectionPolicy: "Always", interval: "1h" }), ctx);
    expect(result.status?.latestRef).toEqual({ name: `${reg.host}/apps/web`, tag: "1.10.0", digest: digests["1.10.0"] });
    expect(result.message).toBe(`Latest image tag for ${reg.host}/apps/web resolved to 1.10.0 with digest ${digests["1.10.0"]}`);
  });

  test("digestReflectionPolicy IfNotPresent keeps a known digest without asking the registry", async () => {
    const store = await scanned();
    const name = `${reg.host}/apps/web`;
    const { ctx, reads } = context<ImagePolicyStatus>([repo()]);
    const kept = { name, tag: "1.10.0", digest: "sha256:" + "0".repeat(64) };
    const result = await imagePolicyReconciler(deps(store)).reconcile(policy({ digestReflectionPolicy: "IfNotPresent" }, { latestRef: kept }), ctx);
    expect(result.status?.latestRef).toEqual(kept);
    expect(reads.filter((r) => r.startsWith("Secret/"))).toEqual([]);
  });

  test.each([
    [{ imageRepositoryRef: { name: "web", namespace: "other" } }, "AccessDenied", "terminal", "failed to get the referred ImageRepository: cannot access 'ImageRepository/other/web', cross-namespace references have been blocked"],
    [{ imageRepositoryRef: { name: "gone" } }, "DependencyNotReady", "not-ready", 'failed to get the referred ImageRepository: referenced ImageRepository does not exist: imagerepositories.image.toolkit.fluxcd.io "gone" not found'],
    [{ policy: { numerical: {} } }, "Failure", "transient", "failed to parse invalid numeric value 'latest'"],
    [{ policy: { semver: { range: "x1" } } }, "InvalidPolicy", "terminal", "invalid policy: constraint parser error"],
    [{ filterTags: { pattern: "(" }, policy: { alphabetical: {} } }, "InvalidPolicy", "terminal", "failed to filter tags: invalid regular expression pattern '(': error parsing regexp: missing closing ): `(`"],
    [{ policy: { semver: { range: ">=9.0.0" } } }, "Failure", "transient", "unable to determine latest version from provided list"],
  ])("%j fails with %s", async (spec, reason, kind, message) => {
    const store = await scanned();
    const { ctx, reads } = context<ImagePolicyStatus>([repo()]);
    const err = await errorOf(imagePolicyReconciler(deps(store)).reconcile(policy(spec as Partial<ImagePolicySpec>), ctx));
    expect({ reason: err.reason, kind: err.kind as string, message: err.message }).toEqual({ reason, kind, message });
    // Refused before anything in another namespace is read.
    expect(reads.filter((r) => r.includes("/other/"))).toEqual([]);
  });

  test("before the first scan the policy waits for tags, as Flux's DependencyNotReady", async () => {
    const { store } = memStore();
    const { ctx } = context<ImagePolicyStatus>([repo()]);
    const err = await errorOf(imagePolicyReconciler(deps(store)).reconcile(policy({}), ctx));
    expect({ reason: err.reason, kind: err.kind, message: err.message }).toEqual({ reason: "DependencyNotReady", kind: "not-ready", message: "retrying in 30s error: no tags in database" });
  });
});
