/**
 * A HelmChart's build from a GitRepository's or a Bucket's artifact, as source-controller's
 * buildFromTarballArtifact and local chart builder make it (read, not copied):
 *
 *   source   -> the source's artifact, read from the agent's own store (no HTTP to itself) and unpacked
 *   metadata -> Chart.yaml at spec.chart (a directory or a packaged .tgz); the version gets build
 *               metadata `<12 hex of the source revision>` with reconcileStrategy Revision, and
 *               `.<generation>` (or `<generation>`) with valuesFiles
 *   reuse    -> the stored chart when name and version are the same and the spec did not change: with the
 *               default ChartVersion strategy a new source revision alone builds nothing
 *   package  -> a directory is packaged with its missing dependencies: `file://` (and empty) repositories
 *               from the source, https ones from a HelmRepository of the tenant's namespace with that URL
 *               (its index and credentials; none means failure, never an anonymous download), `oci://` ones
 *               pulled from the registry; valuesFiles (paths in the source) merged into values.yaml
 *
 * Errors carry Flux's build reasons and summaries: InvalidChartReference, MetadataPatchError,
 * ValuesFilesError, DependencyBuildError, ChartPackageError.
 */
import { TerminalError, TransientError } from "../core/errors.ts";
import { formatVersion, parseConstraint, parseVersion } from "../core/semver-constraint.ts";
import type { Artifact } from "../api/common.ts";
import type { HelmChartSpec, HelmChartStatus } from "../api/helm-chart.ts";
import { helmRepositoryKind, type HelmRepositorySpec, type HelmRepositoryStatus } from "../api/helm-repository.ts";
import { unpack } from "../artifact/unpack.ts";
import type { Digest } from "../artifact/digest.ts";
import type { FileTree } from "../artifact/file-tree.ts";
import type { Chart, ChartDependency, ChartFile, Values } from "../helm/chart.ts";
import { loadChart, loadChartArchive } from "../helm/chart-loader.ts";
import { cleanPath, repackageChart } from "../helm/chart-package.ts";
import { missingDependencies, packageChartDir, subtree } from "../helm/chart-dir-package.ts";
import { resolveChartUrl, resolveChartVersion } from "../helm/chart-version.ts";
import { loadValues, mergeMaps } from "../helm/values-yaml.ts";
import { parseRepositoryIndex, type RepositoryIndex } from "../helm/repository-index.ts";
import { fetchChart } from "../source/helm/fetch-chart.ts";
import { pullHelmChart } from "../source/oci/pull-helm-chart.ts";
import { artifactOf } from "../storage/artifact-of.ts";
import { parseDuration } from "../core/duration.ts";
import { ociCredentials } from "./helm-chart-oci.ts";
import { helmRepositoryCredentials } from "./helm-repository.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import type { SourceDeps, SourceFetchResult, SourceSummary } from "./source-reconciler.ts";

type Obj = KindObject<HelmChartSpec, HelmChartStatus>;
type Repo = KindObject<HelmRepositorySpec, HelmRepositoryStatus>;

export interface LocalBuildInput {
  obj: Obj;
  ctx: ReconcileContext<HelmChartStatus>;
  ref: string;
  /** The source's kind: GitRepository or Bucket. */
  kind: string;
  artifact: Artifact;
  lastRevision?: string;
  deps: SourceDeps;
}

export async function buildLocalChart(input: LocalBuildInput): Promise<SourceFetchResult<never, HelmChartStatus>> {
  const { obj, ctx, ref, artifact, deps } = input;
  const spec = obj.spec;
  const gz = await deps.store.get(artifact.path);
  if (!gz) throw new TransientError("ArtifactUnavailable", `${ref}: failed to read source artifact: ${artifact.path} is not in storage`);
  let tree: FileTree;
  try {
    tree = await unpack(gz, { digest: artifact.digest as Digest, sha256: deps.sha256, gunzip: deps.gunzip });
  } catch (err) {
    throw new TransientError("Failed", `${ref}: artifact untar error: ${(err as Error).message}`, { cause: err });
  }

  // metadata
  const path = cleanPath(spec.chart);
  const isDir = path === "" || tree.isDir(path);
  const file = isDir ? undefined : tree.read(path);
  if (!isDir && !file) throw new TerminalError("InvalidChartReference", `${ref}: invalid chart reference: stat ${spec.chart}: no such file or directory`);
  let chart: Chart;
  try {
    chart = file ? await loadChartArchive(file, spec.chart) : await loadChart(subtree(tree, path), spec.chart);
  } catch (err) {
    throw new TerminalError("InvalidChartReference", `${ref}: invalid chart reference: ${(err as Error).message}`, { cause: err });
  }
  const name = chart.metadata.name;
  const valuesFiles = spec.valuesFiles ?? [];
  let metadata = "";
  if (spec.reconcileStrategy === "Revision") metadata = revisionHex(input.kind, artifact.revision).slice(0, 12);
  if (valuesFiles.length > 0) metadata += `${metadata ? "." : ""}${obj.metadata.generation ?? 0}`;
  const version = metadata ? versionWithMetadata(chart.metadata.version, metadata, ref) : chart.metadata.version;
  const packaged = isDir || metadata !== "";
  const observed = { observedChartName: name, observedSourceArtifactRevision: artifact.revision };

  // reuse: Flux's cached chart check (same name and version, no Force from a new generation)
  const status = ctx.status();
  if (input.lastRevision === version && status.observedChartName === name && obj.metadata.generation === status.observedGeneration) {
    const used = status.observedValuesFiles ?? valuesFiles;
    return { unchanged: true, revision: version, summary: chartSummary(packaged, name, version, used), status: observed };
  }

  let tgz: Uint8Array;
  let used: string[] = [];
  if (!packaged) {
    tgz = file!;
  } else {
    let values: Values | undefined;
    if (valuesFiles.length > 0) {
      const merged = mergeSourceValues(tree, valuesFiles, spec.ignoreMissingValuesFiles, ref);
      values = merged.values;
      used = merged.used;
    }
    if (isDir) {
      const add = await buildDependencies(input, tree, path, chart);
      try {
        tgz = await packageChartDir(subtree(tree, path), name, { version, values, add });
      } catch (err) {
        throw new TransientError("ChartPackageError", `${ref}: chart package error: ${(err as Error).message}`, { cause: err });
      }
    } else {
      try {
        tgz = await repackageChart(file!, { version, values: values ?? chart.values });
      } catch (err) {
        throw new TransientError("ChartPackageError", `${ref}: chart package error: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  const done = chartSummary(packaged, name, version, used);
  return {
    unchanged: false,
    revision: version,
    file: `${name}-${version}.tgz`,
    content: { bytes: tgz },
    reason: done.reason,
    message: done.message,
    summary: done,
    status: { ...observed, observedValuesFiles: spec.ignoreMissingValuesFiles ? used : undefined },
  };
}

/** The hex a revision names: a Git commit's hash (`main@sha1:<hex>`), a Bucket's digest (`sha256:<hex>`). */
function revisionHex(kind: string, revision: string): string {
  const tail = kind === "GitRepository" ? revision.split("@").pop()! : revision;
  const colon = tail.indexOf(":");
  return colon >= 0 ? tail.slice(colon + 1) : tail.split("/").pop()!;
}

/** Masterminds' SetMetadata on the chart's version, as Flux words its failure. */
export function versionWithMetadata(version: string, metadata: string, ref: string): string {
  const v = parseVersion(version);
  if (!v) throw new TerminalError("MetadataPatchError", `${ref}: chart metadata patch error: failed to parse version from chart metadata as SemVer: ${version}`);
  if (!/^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/.test(metadata)) {
    throw new TerminalError("MetadataPatchError", `${ref}: chart metadata patch error: failed to set SemVer metadata on chart version: Invalid Metadata string`);
  }
  return formatVersion({ ...v, build: metadata });
}

/** Flux's mergeFileValues for a local chart: paths relative to the source's root, merged in order. */
function mergeSourceValues(tree: FileTree, paths: readonly string[], ignoreMissing: boolean | undefined, ref: string): { values: Values; used: string[] } {
  let values: Values = {};
  const used: string[] = [];
  for (const p of paths) {
    const clean = cleanPath(p);
    const data = tree.read(clean);
    if (!data) {
      if (ignoreMissing && !tree.isDir(clean)) continue;
      throw new TerminalError("ValuesFilesError", `${ref}: values files merge error: no values file found at path '/${clean}' (reference '${p}')`);
    }
    try {
      values = mergeMaps(values, loadValues(new TextDecoder().decode(data), clean));
    } catch (err) {
      throw new TerminalError("ValuesFilesError", `${ref}: values files merge error: unmarshaling values from '${p}' failed: ${(err as Error).message}`, { cause: err });
    }
    used.push(p);
  }
  return { values, used };
}

/** Archives for the chart's missing dependencies, as Flux's DependencyManager adds them. */
async function buildDependencies(input: LocalBuildInput, tree: FileTree, chartPath: string, chart: Chart): Promise<ChartFile[]> {
  const out: ChartFile[] = [];
  const repos = declaredRepositories(input);
  for (const dep of missingDependencies(chart).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const key = dep.alias || dep.name;
    try {
      out.push(isLocal(dep) ? await localDependency(tree, chartPath, dep) : await remoteDependency(input, dep, repos));
    } catch (err) {
      const where = isLocal(dep) ? "local" : "remote";
      throw new TransientError("DependencyBuildError", `${input.ref}: dependency build error: failed to add ${where} dependency '${key}': ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

function isLocal(dep: ChartDependency): boolean {
  return !dep.repository || dep.repository.startsWith("file://");
}

async function localDependency(tree: FileTree, chartPath: string, dep: ChartDependency): Promise<ChartFile> {
  const target = dep.repository ? dep.repository.slice("file://".length) : `charts/${dep.name}`;
  const path = cleanPath(`${chartPath}/${target}`);
  if (!tree.isDir(path) && !tree.read(path)) throw new Error(`no chart found at '/${path}' (reference '${dep.repository ?? ""}')`);
  let constraint;
  try {
    constraint = parseConstraint(dep.version ?? "");
  } catch (err) {
    throw new Error(`invalid version/constraint format '${dep.version ?? ""}': ${(err as Error).message}`, { cause: err });
  }
  const archive = tree.read(path);
  let sub: Chart;
  try {
    sub = archive ? await loadChartArchive(archive, path) : await loadChart(subtree(tree, path), path);
  } catch (err) {
    throw new Error(`failed to load chart from '/${path}' (reference '${dep.repository ?? ""}'): ${(err as Error).message}`, { cause: err });
  }
  const v = parseVersion(sub.metadata.version);
  if (!v || !constraint(v)) throw new Error(`can't get a valid version for constraint '${dep.version ?? ""}'`);
  const data = archive ?? (await packageChartDir(subtree(tree, path), sub.metadata.name, { version: sub.metadata.version }));
  return { name: `${sub.metadata.name}-${sub.metadata.version}.tgz`, data };
}

async function remoteDependency(input: LocalBuildInput, dep: ChartDependency, repos: DeclaredRepositories): Promise<ChartFile> {
  const url = dep.repository ?? "";
  if (url.startsWith("@") || url.startsWith("alias:")) throw new Error(`aliased repository dependency is not supported: ${url}`);
  if (!/^(https?|oci):\/\//.test(url)) throw new Error(`invalid dependency repository URL: ${url}`);
  const normal = normalizeUrl(url);
  const repo = await repos.byUrl(normal);
  // The tenant boundary: Flux would download anonymously; the agent only uses repositories the tenant declared.
  if (!repo) throw new Error(`no chart repository for URL '${normal}'`);
  const { deps, ctx } = input;
  if (url.startsWith("oci://")) {
    const { credentials, tls } = await ociCredentials(repo, ctx, normal);
    const pulled = await pullHelmChart({
      url: `${normal}/${dep.name}`,
      version: dep.version,
      fetch: deps.fetchFor(tls),
      credentials,
      insecure: repo.spec.insecure,
      sha256: deps.sha256,
    });
    const version = pulled.tag ?? String(pulled.metadata.version ?? "");
    return { name: `${dep.name}-${version}.tgz`, data: pulled.chart.bytes };
  }
  const { auth, tls } = await helmRepositoryCredentials(repo, ctx);
  const index = await repos.index(repo, normal);
  let cv;
  try {
    cv = resolveChartVersion(index, dep.name, dep.version ?? "");
  } catch (err) {
    throw new Error(`failed to get chart '${dep.name}' version '${dep.version ?? ""}' from '${url}': ${(err as Error).message}`, { cause: err });
  }
  let data: Uint8Array;
  try {
    data = await fetchChart({
      repositoryUrl: repo.spec.url,
      chartUrl: resolveChartUrl(repo.spec.url, cv.urls[0] ?? ""),
      fetch: deps.fetchFor(tls),
      auth,
      passCredentials: repo.spec.passCredentials,
      digest: cv.digest,
      timeoutMs: repo.spec.timeout ? parseDuration(repo.spec.timeout) : undefined,
      sha256: deps.sha256,
    });
    await loadChartArchive(data, `${dep.name}-${cv.version}.tgz`);
  } catch (err) {
    throw new Error(`chart download of version '${cv.version}' failed: ${(err as Error).message}`, { cause: err });
  }
  return { name: `${dep.name}-${cv.version}.tgz`, data };
}

interface DeclaredRepositories {
  /** The HelmRepository of the chart's namespace whose URL is `url` (compared without trailing slashes). */
  byUrl(url: string): Promise<Repo | undefined>;
  /** A `type: default` repository's stored index, parsed. */
  index(repo: Repo, url: string): Promise<RepositoryIndex>;
}

/**
 * The namespace's HelmRepositories, listed at most once per build, and their stored indexes, each read
 * and parsed at most once per build, however many dependencies name them.
 */
function declaredRepositories(input: LocalBuildInput): DeclaredRepositories {
  let listed: Promise<Repo[]> | undefined;
  const indexes = new Map<string, Promise<RepositoryIndex>>();
  const list = async (): Promise<Repo[]> => {
    const { items } = await input.ctx.client.list({ apiVersion: helmRepositoryKind.apiVersion, kind: helmRepositoryKind.kind, namespace: input.obj.metadata.namespace });
    return items.map((r) => ({ ...r, apiVersion: helmRepositoryKind.apiVersion, kind: helmRepositoryKind.kind }) as Repo);
  };
  const load = async (repo: Repo, url: string): Promise<RepositoryIndex> => {
    const artifact = artifactOf(repo);
    const bytes = artifact ? await input.deps.store.get(artifact.path) : undefined;
    if (!artifact || !bytes) throw new Error(`failed to get chart repository for URL '${url}': no artifact available for HelmRepository source '${repo.metadata.name}'`);
    return parseRepositoryIndex(bytes, artifact.path);
  };
  return {
    async byUrl(url) {
      listed ??= list();
      return (await listed).find((r) => typeof r.spec?.url === "string" && normalizeUrl(r.spec.url) === url);
    },
    index(repo, url) {
      const name = repo.metadata.name!;
      let hit = indexes.get(name);
      if (!hit) indexes.set(name, (hit = load(repo, url)));
      return hit;
    },
  };
}

/** Flux's NormalizeURL, compared without the trailing slash it adds to HTTP URLs. */
function normalizeUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Flux's Build.Summary, with the reason its event and conditions carry. */
export function chartSummary(packaged: boolean, name: string, version: string, valuesFiles: readonly string[]): SourceSummary {
  const files = valuesFiles.length > 0 ? ` and merged values files [${valuesFiles.join(" ")}]` : "";
  const action = packaged ? "packaged" : "pulled";
  return { reason: packaged ? "ChartPackageSucceeded" : "ChartPullSucceeded", message: `${action} '${name}' chart with version '${version}'${files}` };
}
