/**
 * Test fixtures for the ImageRepository and ImagePolicy reconcilers: Debian's docker-registry with
 * htpasswd auth holding a few pushed tags (their digests kept), an artifact store in memory, a
 * reconcile context that records events and every read, and builders for the two kinds' objects.
 */
import { createHash } from "node:crypto";
import type { ImagePolicySpec, ImagePolicyStatus } from "../../agent/api/image-policy.ts";
import type { ImageRepositorySpec, ImageRepositoryStatus } from "../../agent/api/image-repository.ts";
import type { Fetch } from "../../agent/core/fetch.ts";
import { createLogger } from "../../agent/core/logger.ts";
import type { RivuletError } from "../../agent/core/errors.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { createFetch } from "../../agent/runtime/http-fetch.ts";
import { MEDIA } from "../../agent/source/oci/media-types.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";
import type { EventInput } from "../../agent/status/events.ts";
import { ArtifactStore, type StoreFs } from "../../agent/storage/artifact-store.ts";
import { startRegistry, type TestRegistry } from "./oci-registry.ts";
import type { KindObject, ReconcileContext } from "../../agent/reconcile/reconciler.ts";

export const NOW = new Date("2026-12-06T03:00:00Z");
export type RepoObj = KindObject<ImageRepositorySpec, ImageRepositoryStatus>;
export type PolicyObj = KindObject<ImagePolicySpec, ImagePolicyStatus>;

export function memStore() {
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

/** A context in namespace apps that knows `objects` and the Secrets given, records events and reads. */
export function context<S>(objects: KubeObject[], secrets: Record<string, Record<string, string>> = {}) {
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

export const sha256Lines = (tags: string[]) => `sha256:${createHash("sha256").update(tags.map((t) => `${t}\n`).join("")).digest("hex")}`;
export const errorOf = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as RivuletError;

/** The tags pushed to apps/web; the `.sig` one is what the default exclusion list drops. */
export const PUSHED = ["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1", "latest", "sha256-0a1b.sig"];

export interface ImageFixture {
  reg: TestRegistry;
  /** Manifest digest per pushed tag. */
  digests: Record<string, string>;
  /** A `.dockerconfigjson` Secret's data with the registry's credentials. */
  pullSecret(): Record<string, string>;
  repo(spec?: Partial<ImageRepositorySpec>): RepoObj;
  policy(spec: Partial<ImagePolicySpec>, status?: ImagePolicyStatus): PolicyObj;
  deps(store: ArtifactStore): { store: ArtifactStore; fetchFor: () => Fetch };
}

export async function startImageFixture(): Promise<ImageFixture> {
  const reg = await startRegistry({ auth: true });
  const digests: Record<string, string> = {};
  const c = new RegistryClient({ host: reg.host, repository: "apps/web", fetch, insecure: true, credentials: { username: reg.username!, password: reg.password! } });
  const enc = new TextEncoder();
  const cfg = await c.pushBlob(enc.encode("{}"));
  for (const tag of PUSHED) {
    const layer = await c.pushBlob(enc.encode(`layer ${tag}`));
    const manifest = enc.encode(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.fluxConfig, digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
    }));
    digests[tag] = await c.putManifest(tag, manifest, MEDIA.ociManifest);
  }
  return {
    reg,
    digests,
    pullSecret: () => ({ ".dockerconfigjson": JSON.stringify({ auths: { [reg.host]: { username: reg.username, password: reg.password } } }) }),
    repo: (spec = {}) => ({
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImageRepository",
      metadata: { name: "web", namespace: "apps", generation: 1 },
      spec: { image: `${reg.host}/apps/web`, interval: "5m", insecure: true, secretRef: { name: "pull" }, ...spec },
    }),
    policy: (spec, status) => ({
      apiVersion: "image.toolkit.fluxcd.io/v1",
      kind: "ImagePolicy",
      metadata: { name: "web", namespace: "apps", generation: 1 },
      spec: { imageRepositoryRef: { name: "web" }, policy: { semver: { range: ">=1.0.0" } }, ...spec },
      status,
    }),
    deps: (store) => ({ store, fetchFor: () => createFetch({}) }),
  };
}
