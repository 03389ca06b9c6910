/**
 * Builds the agent's reconcilers from their portable parts and this runtime's capabilities (native
 * hashing and gunzip, TLS-aware fetch, the on-disk store). The composition root for `rivulet run`.
 */
import { ArtifactStore } from "../storage/artifact-store.ts";
import { ArtifactCache } from "../reconcile/artifact-cache.ts";
import { DEFAULTS as LIMITS, type Limits } from "../core/limits.ts";
import { WeightedSemaphore } from "../core/weighted-semaphore.ts";
import { gitRepositoryReconciler } from "../reconcile/git-repository.ts";
import { kustomizationReconciler } from "../reconcile/kustomization.ts";
import type { KeylessVerifier } from "../verify/keyless.ts";
import { LiveCache } from "../diff/live-cache.ts";
import { lazyReconciler } from "../reconcile/lazy-reconciler.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import { bucketKind } from "../api/bucket.ts";
import { ociRepositoryKind } from "../api/oci-repository.ts";
import { helmRepositoryKind } from "../api/helm-repository.ts";
import { helmChartKind } from "../api/helm-chart.ts";
import { helmReleaseKind } from "../api/helm-release.ts";
import { receiverKind } from "../api/receiver.ts";
import { imageRepositoryKind } from "../api/image-repository.ts";
import { imagePolicyKind } from "../api/image-policy.ts";
import { imageUpdateAutomationKind } from "../api/image-update-automation.ts";
import type { TemplateEngine } from "../helm/template-engine.ts";
import type { SourceDeps } from "../reconcile/source-reconciler.ts";
import type { AgentMetrics } from "../http/metrics.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { createStoreFs } from "../runtime/store-fs.ts";
import { nativeSha256 } from "../runtime/native-digest.ts";
import { nativeGunzip } from "../runtime/native-gunzip.ts";
import { nodeSha1, zlibInflateAt } from "../runtime/native-git.ts";


export const DEFAULTS = {
  /** The Helm template engine unloads after this long without a render (it reloads in 0.2-0.4 s). */
  helmEngineIdleMs: 30_000,
};

export interface AgentParts {
  store: ArtifactStore;
  cache: ArtifactCache;
  reconcilers: Reconciler[];
}

export interface ComposeOptions {
  storagePath: string;
  storageBaseUrl: string;
  metrics: AgentMetrics;
  fieldManager?: string;
  defaultServiceAccount?: string;
  allowedClusterKinds?: string[];
  /** Namespaces besides its own a HelmRelease may install into and store its release in. */
  allowedNamespaces?: string[];
  /** Helm templates may `lookup` other namespaces and cluster-scoped kinds. */
  allowClusterLookup?: boolean;
  strictSubstitution?: boolean;
  healthPollMs?: number;
  /** false: no live cache, every object is dry-run on every reconcile (Flux's behaviour). */
  driftCache?: boolean;
  helmEngineIdleMs?: number;
  /** The one set of artifact limits every source and the Kustomization build enforce. */
  limits?: Limits;
  /** Bytes of manifests Kustomization builds may hold at once (a WeightedSemaphore); unbounded when absent. */
  buildMemory?: number;
}

export function composeAgent(o: ComposeOptions): AgentParts {
  const store = new ArtifactStore(createStoreFs(o.storagePath), { baseUrl: o.storageBaseUrl });
  const limits = o.limits ?? LIMITS;
  const cache = new ArtifactCache(store, { unpack: { sha256: nativeSha256, gunzip: nativeGunzip() }, limits });
  const onFetched = (kind: string) => (bytes: number, seconds: number) => {
    o.metrics.fetchBytes.inc({ kind }, bytes);
    o.metrics.fetchDuration.observe({ kind }, seconds);
  };
  // Every source kind gets the same runtime parts; a kind adds only what is particular to it.
  const gunzip = nativeGunzip();
  const source = (kind: string): SourceDeps => ({
    store,
    sha256: nativeSha256,
    gunzip,
    fetchFor: (tls) => createFetch(tls),
    onFetched: onFetched(kind),
    limits,
  });
  const git = gitRepositoryReconciler({
    ...source("GitRepository"),
    cache,
    inflate: zlibInflateAt,
    sha1: nodeSha1,
    // openpgp (~26 MiB resident) loads only when a GitRepository asks for verification.
    gitSignature: (o) => async (subject) => (await import("../verify/git-signature.ts")).gitSignatureVerifier(o)(subject),
  });
  const kustomization = kustomizationReconciler({
    cache,
    liveCache: o.driftCache === false ? undefined : new LiveCache({ fieldManager: o.fieldManager }),
    fieldManager: o.fieldManager,
    defaultServiceAccount: o.defaultServiceAccount,
    allowedClusterKinds: o.allowedClusterKinds,
    strictSubstitution: o.strictSubstitution,
    limits,
    buildBudget: o.buildMemory ? new WeightedSemaphore(o.buildMemory) : undefined,
    // Flux polls every 5 s; a Deployment is usually Available within a second of being applied, and a
    // 5 s poll made each Kustomization wait a whole period (measured: 100 in 72 s at 5 s, see bench/).
    healthPollMs: o.healthPollMs ?? 500,
  });
  // The Go template engine (WASM), shared by HelmReleases and templated commit messages: its code loads
  // with the first of them, the module on the first render, and unloads after a quiet period, so a
  // converged agent gives back ~80 MiB.
  let engine: Promise<TemplateEngine> | undefined;
  const templateEngine = () =>
    (engine ??= Promise.all([import("../helm/template-engine.ts"), import("../runtime/helm-wasm.ts")]).then(([{ createTemplateEngine }, { helmWasmPort }]) =>
      createTemplateEngine(helmWasmPort, { unloadAfterMs: o.helmEngineIdleMs ?? DEFAULTS.helmEngineIdleMs }),
    ));
  // The other kinds' code (Helm, OCI, S3, image scanning, receivers) loads with the first object of the
  // kind: a tenant with only GitRepositories and Kustomizations never holds it (bench/idle-memory.md).
  const bucket = lazyReconciler(kindOf(bucketKind, "source-controller"), async () => (await import("../reconcile/bucket.ts")).bucketReconciler(source("Bucket")));
  const oci = lazyReconciler(kindOf(ociRepositoryKind, "source-controller"), async () =>
    (await import("../reconcile/oci-repository.ts")).ociRepositoryReconciler({
      ...source("OCIRepository"),
      // @sigstore/verify (~13 MiB resident) loads only for keyless verification.
      keyless: (root) => lazyKeyless(root),
    }),
  );
  const helmRepository = lazyReconciler(kindOf(helmRepositoryKind, "source-controller"), async () => (await import("../reconcile/helm-repository.ts")).helmRepositoryReconciler(source("HelmRepository")));
  const helmChart = lazyReconciler(kindOf(helmChartKind, "source-controller"), async () =>
    (await import("../reconcile/helm-chart.ts")).helmChartReconciler({ ...source("HelmChart"), keyless: (root) => lazyKeyless(root) }),
  );
  const helmRelease = lazyReconciler(kindOf(helmReleaseKind, "helm-controller"), async () => {
    const [{ helmReleaseReconciler }, { validateValues }] = await Promise.all([import("../reconcile/helm-release.ts"), import("../helm/values-schema.ts")]);
    return helmReleaseReconciler({
      store,
      // A chartRef to an ExternalArtifact downloads the chart its producer serves.
      fetch: createFetch({}),
      sha256: nativeSha256,
      engine: await templateEngine(),
      validateValues,
      defaultServiceAccount: o.defaultServiceAccount,
      allowedClusterKinds: o.allowedClusterKinds,
      allowedNamespaces: o.allowedNamespaces,
      allowClusterLookup: o.allowClusterLookup,
      // Helm's wait polls as the Kustomization's health check does (500 ms), not the actions' 1 s default:
      // at 1 s most releases waited a whole period for a Deployment that was ready sooner (bench/helm-benchmark.md).
      pollMs: o.healthPollMs ?? 500,
      // Its own cache: the fields it compares are the ones helm-controller's field manager owns.
      liveCache: o.driftCache === false ? undefined : new LiveCache({ fieldManager: "helm-controller" }),
    });
  });
  const receiver = lazyReconciler(kindOf(receiverKind, "notification-controller"), async () => (await import("../reconcile/receiver.ts")).receiverReconciler());
  // Image scans keep their tag files in the artifact store, where a restarted agent finds them.
  const imageRepository = lazyReconciler(kindOf(imageRepositoryKind, "image-reflector-controller"), async () =>
    (await import("../reconcile/image-repository.ts")).imageRepositoryReconciler({ store, fetchFor: (tls) => createFetch(tls) }),
  );
  const imagePolicy = lazyReconciler(kindOf(imagePolicyKind, "image-reflector-controller"), async () =>
    (await import("../reconcile/image-policy.ts")).imagePolicyReconciler({ store, fetchFor: (tls) => createFetch(tls) }),
  );
  const imageUpdate = lazyReconciler(kindOf(imageUpdateAutomationKind, "image-automation-controller"), async () =>
    (await import("../reconcile/image-update-automation.ts")).imageUpdateAutomationReconciler({
      fetchFor: (tls) => createFetch(tls),
      sha1: nodeSha1,
      inflate: zlibInflateAt,
      renderCommitMessage: async (data) => (await templateEngine()).renderCommitMessage!(data),
    }),
  );
  return {
    store,
    cache,
    reconcilers: [git, oci, bucket, helmRepository, helmChart, kustomization, helmRelease, receiver, imageRepository, imagePolicy, imageUpdate],
  };
}

function kindOf(k: { apiVersion: string; kind: string }, controllerName: string) {
  return { apiVersion: k.apiVersion, kind: k.kind, controllerName };
}

function lazyKeyless(trustedRootJson?: string): KeylessVerifier {
  let real: Promise<KeylessVerifier> | undefined;
  return {
    async verify(bundle, artifact) {
      real ??= import("../verify/sigstore-keyless.ts").then((m) => m.sigstoreKeyless(trustedRootJson));
      return (await real).verify(bundle, artifact);
    },
  };
}
