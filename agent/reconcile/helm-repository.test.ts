import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { Artifact } from "../api/common.ts";
import type { HelmRepositorySpec, HelmRepositoryStatus } from "../api/helm-repository.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventInput } from "../status/events.ts";
import { ArtifactStore, type StoreFs } from "../storage/artifact-store.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { startChartRepoServer, type ChartRepoServer } from "../../test/support/chart-repo-server.ts";
import { helmRepositoryReconciler, humanSize, OCI_READY_MESSAGE } from "./helm-repository.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import { parseRepositoryIndex } from "../helm/repository-index.ts";

const NOW = new Date("2026-12-06T03:00:00Z");
type Obj = KindObject<HelmRepositorySpec, HelmRepositoryStatus>;

function memStore() {
  const files = new Map<string, Uint8Array>();
  let clock = 0;
  const mtimes = new Map<string, number>();
  const fs: StoreFs = {
    async writeAtomic(path, data) {
      files.set(path, data);
      mtimes.set(path, ++clock);
    },
    async read(path) {
      return files.get(path);
    },
    async list(dir) {
      return [...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => ({ name: p.slice(dir.length + 1), mtimeMs: mtimes.get(p)! }));
    },
    async remove(path) {
      files.delete(path);
    },
    async removeDir(path) {
      for (const p of [...files.keys()]) if (p.startsWith(`${path}/`)) files.delete(p);
    },
  };
  return { store: new ArtifactStore(fs, { baseUrl: "http://rivulet.apps.svc", now: () => NOW }), files };
}

/** A client that knows some Secrets in namespace apps, and nothing else. */
function secrets(data: Record<string, Record<string, string>>): KubeClient {
  return {
    get: async (key: { kind: string; namespace?: string; name: string }) =>
      key.kind === "Secret" && key.namespace === "apps" && data[key.name] ? { apiVersion: "v1", kind: "Secret", metadata: { name: key.name }, stringData: data[key.name] } : undefined,
  } as unknown as KubeClient;
}

function context(status: HelmRepositoryStatus, client: KubeClient = secrets({})) {
  const events: EventInput[] = [];
  const ctx: ReconcileContext<HelmRepositoryStatus> = {
    client,
    log: createLogger(() => {}),
    events: { record: async (_obj, e) => void events.push(e) },
    now: () => NOW,
    status: () => status,
    read: async () => undefined,
    progress: async () => {},
  };
  return { ctx, events };
}

const repo = (spec: Partial<HelmRepositorySpec> & { url: string }, status: HelmRepositoryStatus = {}): Obj => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "HelmRepository",
  metadata: { name: "charts", namespace: "apps", generation: 1 },
  spec: { interval: "5m", ...spec },
  status,
});

const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

let plain: ChartRepoServer;
let guarded: ChartRepoServer;
let tls: ChartRepoServer;
let tokened: ChartRepoServer;
beforeAll(async () => {
  tokened = await startChartRepoServer({ auth: { bearerToken: "t0ken" }, chartUrls: "absolute" });
  await tokened.addChart({ name: "web", version: "3.0.0" });
  plain = await startChartRepoServer({ basePath: "/stable" });
  await plain.addChart({ name: "podinfo", version: "6.0.0" });
  await plain.addChart({ name: "podinfo", version: "6.1.0" });
  guarded = await startChartRepoServer({ auth: { username: "admin", password: "s3cret" } });
  await guarded.addChart({ name: "web", version: "1.0.0" });
  tls = await startChartRepoServer({ tls: { clientAuth: true } });
  await tls.addChart({ name: "web", version: "2.0.0" });
});
afterAll(async () => {
  await Promise.all([plain?.stop(), guarded?.stop(), tls?.stop(), tokened?.stop()]);
});

describe("HelmRepository type default", () => {
  test("stores the normalised index; the revision is the digest of the bytes the repository served", async () => {
    const { store, files } = memStore();
    const { ctx, events } = context({});
    const result = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(repo({ url: plain.url }), ctx);
    const revision = sha256(plain.indexText());
    const artifact = result.status!.artifact as Artifact;
    expect(artifact.revision).toBe(revision);
    expect(artifact.path).toBe(`helmrepository/apps/charts/index-${revision.slice(7)}.yaml`);
    const stored = files.get(artifact.path)!;
    expect(artifact.digest).toBe(sha256(stored));
    expect(parseRepositoryIndex(stored).entries.podinfo!.map((v) => v.version)).toEqual(["6.1.0", "6.0.0"]);
    expect(result.status!.url).toBe("http://rivulet.apps.svc/helmrepository/apps/charts/index.yaml");
    expect(files.get("helmrepository/apps/charts/index.yaml")).toEqual(stored);
    expect(result.message).toBe(`stored artifact for revision '${revision}'`);
    expect(events.map((e) => [e.reason, e.message])).toEqual([["NewArtifact", `stored fetched index of size ${humanSize(stored.byteLength)} from '${plain.url}'`]]);
    expect(plain.requests.at(-1)).toBe("GET /stable/index.yaml 200");
  });

  test("an unchanged index is not stored again and announces nothing", async () => {
    const { store } = memStore();
    const r = helmRepositoryReconciler({ store, fetchFor: createFetch });
    const first = await r.reconcile(repo({ url: plain.url }), context({}).ctx);
    const status = first.status as HelmRepositoryStatus;
    const { ctx, events } = context(status);
    const second = await r.reconcile(repo({ url: plain.url }, status), ctx);
    expect(second.status!.artifact).toEqual(status.artifact);
    expect(events.map((e) => e.reason)).toEqual(["ArtifactUpToDate"]);
  });

  test("basic auth from secretRef opens a guarded repository", async () => {
    const { store } = memStore();
    const { ctx } = context({}, secrets({ creds: { username: "admin", password: "s3cret" } }));
    const result = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(repo({ url: guarded.url, secretRef: { name: "creds" } }), ctx);
    expect(result.status!.artifact?.revision).toBe(sha256(guarded.indexText()));
  });

  test("a bearerToken from secretRef is sent as Authorization: Bearer", async () => {
    const { store } = memStore();
    const { ctx } = context({}, secrets({ token: { bearerToken: "t0ken" } }));
    const result = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(repo({ url: tokened.url, secretRef: { name: "token" } }), ctx);
    expect(result.status!.artifact?.revision).toBe(sha256(tokened.indexText()));
    expect(tokened.requests.at(-1)).toBe("GET /index.yaml 200 with credentials");
  });

  test("TLS from certSecretRef: the CA and the client certificate", async () => {
    const { store } = memStore();
    const { ctx } = context({}, secrets({ tls: { "ca.crt": tls.tls!.ca, "tls.crt": tls.tls!.clientCert, "tls.key": tls.tls!.clientKey } }));
    const result = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(repo({ url: tls.url, certSecretRef: { name: "tls" } }), ctx);
    expect(result.status!.artifact?.revision).toBe(sha256(tls.indexText()));
  });

  test.each([
    ["a wrong password", { url: (): string => guarded.url, secretRef: { name: "wrong" } }, "Failed",
      (): string => `HelmRepository/apps/charts: failed to fetch Helm repository index: failed to fetch ${guarded.url}/index.yaml : 401 Unauthorized`],
    ["no credentials", { url: (): string => guarded.url }, "Failed",
      (): string => `HelmRepository/apps/charts: failed to fetch Helm repository index: failed to fetch ${guarded.url}/index.yaml : 401 Unauthorized`],
    ["a missing Secret", { url: (): string => guarded.url, secretRef: { name: "absent" } }, "AuthenticationFailed",
      (): string => "Secret/apps/absent referenced by HelmRepository/apps/charts not found: create it or fix the reference"],
    ["a username without a password", { url: (): string => guarded.url, secretRef: { name: "half" } }, "AuthenticationFailed",
      (): string => "HelmRepository/apps/charts: invalid basic auth in Secret 'apps/half': it must hold both 'username' and 'password'"],
    ["a wrong bearer token", { url: (): string => tokened.url, secretRef: { name: "wrong-token" } }, "Failed",
      (): string => `HelmRepository/apps/charts: failed to fetch Helm repository index: failed to fetch ${tokened.url}/index.yaml : 401 Unauthorized`],
    ["a bearerToken beside a username and password", { url: (): string => tokened.url, secretRef: { name: "both" } }, "AuthenticationFailed",
      (): string => "HelmRepository/apps/charts: invalid auth in Secret 'apps/both': basic auth and bearer token cannot be set at the same time"],
    ["an oci:// URL with type default", { url: (): string => "oci://ghcr.io/charts" }, "URLInvalid",
      (): string => "HelmRepository/apps/charts: invalid Helm repository URL: 'oci' URL scheme cannot be used with 'default' HelmRepository type"],
    ["a server whose CA is not trusted", { url: (): string => tls.url }, "Failed",
      (): string => expect.stringMatching(/^HelmRepository\/apps\/charts: failed to fetch Helm repository index: failed to fetch https:\/\/127\.0\.0\.1:\d+\/index\.yaml : /) as unknown as string],
  ] as const)("%s fails with a clear reason and message", async (_name, spec, reason, message) => {
    const { store, files } = memStore();
    const { ctx } = context(
      {},
      secrets({ wrong: { username: "admin", password: "nope" }, half: { username: "admin" }, "wrong-token": { bearerToken: "nope" }, both: { username: "admin", password: "nope", bearerToken: "nope" } }),
    );
    const obj = repo({ url: spec.url(), ...("secretRef" in spec ? { secretRef: spec.secretRef } : {}) });
    const err = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(obj, ctx).then(() => undefined, (e: unknown) => e);
    expect({ reason: (err as { reason?: string }).reason, message: (err as Error).message }).toEqual({ reason, message: message() });
    expect(files.size).toBe(0);
    expect((err as Error).message).not.toContain("nope");
  });

  test("an index Helm cannot load is IndexationFailed", async () => {
    const bad = await startChartRepoServer();
    bad.overrideIndex("entries: {}\n");
    try {
      const { store } = memStore();
      const err = await helmRepositoryReconciler({ store, fetchFor: createFetch }).reconcile(repo({ url: bad.url }), context({}).ctx).catch((e: unknown) => e);
      expect([(err as { reason: string }).reason, (err as Error).message]).toEqual([
        "IndexationFailed",
        "HelmRepository/apps/charts: failed to load Helm repository from index YAML: no API version specified",
      ]);
    } finally {
      await bad.stop();
    }
  });
});

describe("HelmRepository type oci", () => {
  test("is Ready without an artifact and drops an index stored before", async () => {
    const { store, files } = memStore();
    const r = helmRepositoryReconciler({ store, fetchFor: createFetch });
    const first = await r.reconcile(repo({ url: plain.url }), context({}).ctx);
    expect(files.size).toBe(2);
    const result = await r.reconcile(repo({ url: "oci://ghcr.io/stefanprodan/charts", type: "oci" }, first.status as HelmRepositoryStatus), context(first.status as HelmRepositoryStatus).ctx);
    expect(result.message).toBe(OCI_READY_MESSAGE);
    expect(result.status).toEqual({ artifact: undefined, url: undefined });
    expect(result.clearConditions).toContain("ArtifactInStorage");
    expect(files.size).toBe(0);
  });
});

test.each([
  [0, "0B"],
  [999, "999B"],
  [1000, "1kB"],
  [1234, "1.234kB"],
  [52_428_800, "52.43MB"],
])("humanSize(%p) is %p, as go-units prints it", (n, want) => {
  expect(humanSize(n)).toBe(want);
});

