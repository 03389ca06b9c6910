/**
 * HelmChart (source.toolkit.fluxcd.io/v1) from a HelmRepository, on the source skeleton, as
 * source-controller's remote chart builder does it:
 *
 *   source   -> the HelmRepository in the same namespace, with a stored index (else NoSourceArtifact)
 *   resolve  -> the chart version spec.version selects in the index (helm/chart-version.ts); the revision
 *               is that version, or `<version>+<generation>` when spec.valuesFiles is set
 *   reuse    -> the stored chart when it has that revision and the spec did not change: no download
 *   download -> the chart URL from the index, resolved against the repository URL, with the repository's
 *               credentials (same host only unless passCredentials) and TLS; its digest checked
 *   package  -> with valuesFiles: merged into values.yaml, version set, packaged again
 *   artifact -> `<chart>-<version>.tgz`, also served as `latest.tar.gz` (status.url), with
 *               observedChartName, observedSourceArtifactRevision and observedValuesFiles
 *
 * Conditions and messages are Flux's: Ready/ArtifactInStorage "pulled 'podinfo' chart with version
 * '6.1.0'" (ChartPullSucceeded) or "packaged ..." (ChartPackageSucceeded); failures InvalidChartReference,
 * ChartPullError, ValuesFilesError (BuildFailed), ChartPackageError, AuthenticationFailed.
 *
 * Charts from a GitRepository or a Bucket are built from the source's artifact by helm-chart-local.ts
 * (chart directory, dependencies, reconcileStrategy Revision); charts from an OCI HelmRepository are
 * resolved and pulled by helm-chart-oci.ts, with spec.verify (cosign) checked between resolve and pull.
 */
import { NotReadyError, TerminalError, TransientError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/ref.ts";
import { helmChartKind, type HelmChartSpec, type HelmChartStatus } from "../api/helm-chart.ts";
import { helmRepositoryKind, type HelmRepositorySpec, type HelmRepositoryStatus } from "../api/helm-repository.ts";
import { fetchChart } from "../source/helm/fetch-chart.ts";
import { loadChartArchive } from "../helm/chart-loader.ts";
import { mergeValuesFiles, repackageChart } from "../helm/chart-package.ts";
import { resolveChartUrl, resolveChartVersion } from "../helm/chart-version.ts";
import { parseRepositoryIndex, type IndexChartVersion, type RepositoryIndex } from "../helm/repository-index.ts";
import { validate } from "../api/validate.ts";
import type { KubeObject } from "../kube/types.ts";
import { artifactOf } from "../storage/artifact-of.ts";
import type { Artifact } from "../api/common.ts";
import { bucketKind } from "../api/bucket.ts";
import { gitRepositoryKind } from "../api/git-repository.ts";
import type { KeylessVerifier } from "../verify/keyless.ts";
import type { Verification } from "../verify/verifier.ts";
import { ociChartVerification, resolveOciChart, type OciChartSubject } from "./helm-chart-oci.ts";
import { buildLocalChart, chartSummary, versionWithMetadata } from "./helm-chart-local.ts";
import type { KindObject, ReconcileContext, Reconciler } from "./reconciler.ts";
import { helmRepositoryCredentials } from "./helm-repository.ts";
import { sourceReconciler, type SourceDeps } from "./source-reconciler.ts";

export const CHART_ALIAS = "latest.tar.gz";
const INDEX_CACHE_SIZE = 8;

type Repo = KindObject<HelmRepositorySpec, HelmRepositoryStatus>;

/** A chart found in a repository (an index or a registry), not downloaded yet. */
interface RemoteChart {
  name: string;
  version: string;
  /** The HelmRepository artifact's revision (an index); none for a registry. */
  sourceRevision?: string;
  /** What spec.verify checks (OCI only). */
  subject?: OciChartSubject;
  download(): Promise<Uint8Array>;
}

export interface HelmChartDeps extends SourceDeps {
  /** Keyless verification of OCI charts (public-good root); key-based verification needs no more. */
  keyless?(trustedRootJson?: string): KeylessVerifier;
}

export function helmChartReconciler(deps: HelmChartDeps): Reconciler<HelmChartSpec, HelmChartStatus> {
  // Parsed indexes by artifact path: a path names one revision, so an entry never goes stale.
  const indexes = new Map<string, RepositoryIndex>();
  const loadIndex = async (path: string): Promise<RepositoryIndex | undefined> => {
    const hit = indexes.get(path);
    if (hit) return hit;
    const bytes = await deps.store.get(path);
    if (!bytes) return undefined;
    const index = parseRepositoryIndex(bytes, path);
    if (indexes.size >= INDEX_CACHE_SIZE) indexes.delete(indexes.keys().next().value!);
    indexes.set(path, index);
    return index;
  };

  /** The chart version the HelmRepository's stored index selects, and how to download it. */
  const resolveIndexChart = async (repo: Repo, spec: HelmChartSpec, ctx: ReconcileContext<HelmChartStatus>, ref: string): Promise<RemoteChart> => {
    const repoArtifact = artifactOf(repo);
    const index = repoArtifact ? await loadIndex(repoArtifact.path) : undefined;
    if (!repoArtifact || !index) throw new NotReadyError("NoSourceArtifact", `no artifact available for HelmRepository source '${repo.metadata.name}'`);
    let cv: IndexChartVersion;
    try {
      cv = resolveChartVersion(index, spec.chart, spec.version === "*" ? "" : spec.version ?? "");
    } catch (err) {
      throw new TerminalError("InvalidChartReference", `${ref}: invalid chart reference: failed to get chart version for remote reference: ${(err as Error).message}`, { cause: err });
    }
    return { name: cv.name, version: cv.version, sourceRevision: repoArtifact.revision, download: () => downloadIndexChart(repo, cv, ctx, ref) };
  };

  const downloadIndexChart = async (repo: Repo, cv: IndexChartVersion, ctx: ReconcileContext<HelmChartStatus>, ref: string): Promise<Uint8Array> => {
    const url = cv.urls[0];
    if (!url) throw new TransientError("ChartPullError", `${ref}: chart pull error: chart '${cv.name}' has no downloadable URLs`);
    const { auth, tls } = await helmRepositoryCredentials(repo, ctx);
    try {
      return await fetchChart({
        repositoryUrl: repo.spec.url,
        chartUrl: resolveChartUrl(repo.spec.url, url),
        fetch: deps.fetchFor(tls),
        auth,
        passCredentials: repo.spec.passCredentials,
        digest: cv.digest,
        timeoutMs: repo.spec.timeout ? parseDuration(repo.spec.timeout) : undefined,
        sha256: deps.sha256,
      });
    } catch (err) {
      const message = `chart pull error: failed to download chart for remote reference: ${(err as Error).message}`;
      // Flux's test for an authentication problem in what the getter said.
      if (/401|unauthorized|authentication required|tls|unknown certificate authority|certificate/i.test(message)) {
        throw new TransientError("AuthenticationFailed", `${ref}: failed to authenticate with the Helm repository: ${message}`, { cause: err });
      }
      throw new TransientError("ChartPullError", `${ref}: ${message}`, { cause: err });
    }
  };

  return sourceReconciler<HelmChartSpec, HelmChartStatus, OciChartSubject>(
    {
      definition: helmChartKind,
      fetching: (spec) => `fetching chart '${spec.chart}' version '${spec.version ?? "*"}' from ${spec.sourceRef.kind}/${spec.sourceRef.name}`,
      // A chart from Git or a Bucket is named by a path: its name is known only once Chart.yaml is read.
      contentKey: (spec) => (spec.sourceRef.kind === "HelmRepository" ? { observedChartName: spec.chart } : {}),
      status: (_spec, artifact) => ({ artifact, url: artifact.url.replace(/[^/]+$/, CHART_ALIAS) }),
      upToDate: (revision) => `artifact up-to-date with remote revision: '${revision}'`,
      alias: CHART_ALIAS,
      verification: ociChartVerification(deps),

      async fetch({ obj, ctx, ref, lastRevision, verify }) {
        const spec = obj.spec;
        if (spec.sourceRef.kind === "GitRepository" || spec.sourceRef.kind === "Bucket") {
          const artifact = await sourceArtifactOf(obj, ctx, ref);
          return buildLocalChart({ obj, ctx, ref, kind: spec.sourceRef.kind, artifact, lastRevision, deps });
        }
        const repo = await helmRepositoryOf(obj, ctx, ref);
        const remote: RemoteChart = repo.spec.type === "oci" ? await resolveOciChart(repo, spec, ctx, deps, ref) : await resolveIndexChart(repo, spec, ctx, ref);
        const observed = { observedChartName: remote.name, observedSourceArtifactRevision: remote.sourceRevision };
        // Flux verifies only OCI charts, on every reconcile and before the cache is consulted.
        let verification: Verification | undefined;
        if (spec.verify?.provider) {
          if (!remote.subject || !verify) {
            throw new TerminalError("ChartVerificationError", `${ref}: chart verification error: signatures can be verified only for charts from an OCI HelmRepository, not from ${formatRef(repo)}`);
          }
          verification = await verify(remote.subject);
          if (!verification.verified) return { rejected: verification, revision: remote.version };
        }

        const valuesFiles = spec.valuesFiles ?? [];
        const packaged = valuesFiles.length > 0;
        const version = packaged ? versionWithMetadata(remote.version, String(obj.metadata.generation ?? 0), ref) : remote.version;
        // A spec change (a new generation) always builds again, as Flux's Force; otherwise the same version is reused.
        const sameSpec = obj.metadata.generation === ctx.status().observedGeneration;
        if (lastRevision === version && sameSpec) {
          const used = ctx.status().observedValuesFiles ?? valuesFiles;
          return { unchanged: true, revision: version, verification, summary: chartSummary(packaged, remote.name, version, packaged ? used : []), status: observed };
        }
        let tgz = await remote.download();
        const cv = { name: remote.name, version: remote.version };

        let used: string[] = [];
        if (packaged) {
          let chart;
          try {
            chart = await loadChartArchive(tgz, `${cv.name}-${cv.version}.tgz`);
          } catch (err) {
            throw new TransientError("ChartPackageError", `${ref}: chart package error: failed to load downloaded chart: ${(err as Error).message}`, { cause: err });
          }
          let merged;
          try {
            merged = mergeValuesFiles(chart, valuesFiles, spec.ignoreMissingValuesFiles);
          } catch (err) {
            throw new TerminalError("ValuesFilesError", `${ref}: values files merge error: failed to merge chart values: ${(err as Error).message}`, { cause: err });
          }
          used = merged.used;
          try {
            tgz = await repackageChart(tgz, { version, values: merged.values });
          } catch (err) {
            throw new TransientError("ChartPackageError", `${ref}: chart package error: ${(err as Error).message}`, { cause: err });
          }
        } else {
          try {
            await loadChartArchive(tgz, `${cv.name}-${cv.version}.tgz`);
          } catch (err) {
            throw new TransientError("ChartPullError", `${ref}: chart pull error: failed to validate the downloaded chart: ${(err as Error).message}`, { cause: err });
          }
        }
        const done = chartSummary(packaged, cv.name, version, used);
        return {
          unchanged: false,
          revision: version,
          file: `${cv.name}-${version}.tgz`,
          content: { bytes: tgz },
          reason: done.reason,
          message: done.message,
          summary: done,
          verification,
          status: { ...observed, observedChartName: cv.name, observedValuesFiles: spec.ignoreMissingValuesFiles ? used : undefined },
        };
      },
    },
    deps,
  );
}

/** The artifact of the GitRepository or Bucket the chart names, in the chart's namespace. */
async function sourceArtifactOf(obj: KindObject<HelmChartSpec, HelmChartStatus>, ctx: ReconcileContext<HelmChartStatus>, ref: string): Promise<Artifact> {
  const { kind, name } = obj.spec.sourceRef;
  const apiVersion = kind === "Bucket" ? bucketKind.apiVersion : gitRepositoryKind.apiVersion;
  const source = await ctx.read({ apiVersion, kind, namespace: obj.metadata.namespace, name });
  if (!source) throw new TransientError("SourceUnavailable", `${ref}: failed to get source: ${kind}/${obj.metadata.namespace}/${name} not found`);
  const artifact = artifactOf(source);
  if (!artifact) throw new NotReadyError("NoSourceArtifact", `no artifact available for ${kind} source '${name}'`);
  return artifact;
}

/** The HelmRepository the chart names, in the chart's namespace: the only place a sourceRef can point. */
async function helmRepositoryOf(obj: KindObject<HelmChartSpec, HelmChartStatus>, ctx: ReconcileContext<HelmChartStatus>, ref: string): Promise<Repo> {
  const { kind, name } = obj.spec.sourceRef;
  if (kind !== "HelmRepository") {
    throw new TerminalError("UnsupportedSourceKind", `${ref}: charts from a ${kind} are not supported yet: use a HelmRepository source`);
  }
  const read = await ctx.read({ apiVersion: helmRepositoryKind.apiVersion, kind, namespace: obj.metadata.namespace, name });
  if (!read) throw new TransientError("SourceUnavailable", `${ref}: failed to get source: HelmRepository/${obj.metadata.namespace}/${name} not found`);
  // List items come without apiVersion and kind; the cache may hold them so.
  const repo = { ...read, apiVersion: helmRepositoryKind.apiVersion, kind: helmRepositoryKind.kind };
  if (!isHelmRepository(repo)) throw new TransientError("SourceUnavailable", `${ref}: failed to get source: ${formatRef(repo)} is not a valid HelmRepository`);
  return repo;
}

/** A HelmRepository read from the cache or the API server, checked against its schema. */
function isHelmRepository(o: KubeObject): o is Repo {
  return o.kind === helmRepositoryKind.kind && validate(o).length === 0;
}
