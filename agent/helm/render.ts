/**
 * A chart rendered end to end, as Helm 4.2's install action renders it (pkg/action/install.go and
 * action.renderResources, pkg/engine's scoping; read, not copied): dependencies processed and values
 * coalesced (values.ts), the values checked by the caller's schema validation, then the parent's and
 * every enabled subchart's templates sent to the template engine in one request, each chart with its own
 * scoped `.Values`, `.Chart`, `.Files` and `.Subcharts` and the shared `.Release` and `.Capabilities`.
 * The rendered texts become the release manifest, the hooks and the notes (manifest.ts).
 *
 * Only the top chart's NOTES.txt becomes the notes (Helm's default without --render-subchart-notes);
 * `crds/` files are returned apart, untemplated, with their chart path, as Helm's CRDObjects has them.
 * Errors keep Helm's texts, which name the chart path, the template and the line.
 *
 * `lookup` is the caller's (options.lookup: the agent's client behind tenant-lookup.ts); without one it
 * returns an empty map, as under `helm template`.
 *
 * `.Capabilities.KubeVersion` is Helm 4.2's: parsed from `--kube-version` it prints normalized (no vendor
 * suffix such as `-gke.1`, which `.Version` keeps); from discovery it prints as the server reports it.
 */
import { isLibrary, type Chart, type ChartFile, type Values } from "./chart.ts";
import { INSTALL_ORDER, manifestText, sortManifests, type ManifestDoc, type ManifestStyle } from "./manifest.ts";
import type { StoredHook } from "./release-codec.ts";
import type { CapabilitiesInfo, Lookup, RenderRequest, TemplateEngine, TemplateScope } from "./template-engine.ts";
import { chartValues, isCompatibleRange, tableAt, type Warn } from "./values.ts";

export const DEFAULTS = {
  /**
   * The Kubernetes version Helm 4.2.1 assumes without a cluster: one above its client-go minor
   * (k8s.io/client-go v0.35 gives v1.35.0), as Helm's makeDefaultCapabilities derives it.
   */
  kubeVersion: "v1.35.0",
  helmVersion: "v4.2.1",
  /**
   * The GA group versions of Helm's DefaultVersionSet (client-go's scheme plus apiextensions), for
   * templates that test `.Capabilities.APIVersions.Has` without a cluster. A subset written by hand:
   * Helm's set also lists beta and alpha versions, which charts rarely test for; `--api-versions` adds more.
   */
  apiVersions: [
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "resource.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
  ] as readonly string[],
  /** The file name whose rendering becomes the notes, below the top chart's templates/. */
  notesFile: "NOTES.txt",
} as const;

/** The release the chart is rendered for: `.Release` in templates. */
export interface ReleaseOptions {
  name: string;
  namespace: string;
  /** 1 for an install; the new revision for an upgrade. */
  revision?: number;
  /** Sets `.Release.IsUpgrade`; `.Release.IsInstall` is its opposite. */
  isUpgrade?: boolean;
}

/**
 * The call point for values.schema.json validation: given the processed chart (subcharts that are
 * disabled removed) and its coalesced values, it throws when they break a chart's schema. Helm runs it
 * after coalescing and before rendering; agent/helm/values-schema*.ts provides it.
 */
export type ValidateValues = (chart: Chart, values: Values) => void | Promise<void>;

export interface RenderOptions {
  release: ReleaseOptions;
  /** User-supplied values (-f, --set, a HelmRelease's values): coalesced over the chart's defaults. */
  values?: Values | null;
  /** `.Capabilities`; defaultCapabilities() when omitted, as `helm template` without a cluster. */
  capabilities?: CapabilitiesInfo;
  /** Answers the templates' `lookup` calls; without it they find nothing, as under `helm template`. */
  lookup?: Lookup;
  validateValues?: ValidateValues;
  /** Document trimming: Helm 4.2's by default; "helm3" matches releases stored by Helm 3. */
  style?: ManifestStyle;
  /** missingkey=error, as Helm's --strict lint. */
  strict?: boolean;
  /** What Helm only logs (a non-bool tag, an unknown hook). */
  warn?: Warn;
}

/** What Helm stores of a rendered release, and the CRDs it installs first. */
export interface RenderedRelease {
  /** The release manifest text, as Helm stores it. */
  manifest: string;
  /** The same documents, in install order. */
  manifests: ManifestDoc[];
  hooks: StoredHook[];
  /** The top chart's rendered NOTES.txt; "" when it has none. */
  notes: string;
  /** `crds/` files of the chart and its enabled subcharts, named by chart path (`mychart/crds/a.yaml`). */
  crds: ChartFile[];
  /** The values the templates saw (the top chart's `.Values`). */
  values: Values;
}

/** `.Capabilities` as `helm template` builds it: Helm's defaults, `--kube-version`, extra `--api-versions`. */
export function defaultCapabilities(options: { kubeVersion?: string; apiVersions?: readonly string[] } = {}): CapabilitiesInfo {
  return {
    kubeVersion: parseKubeVersion(options.kubeVersion ?? DEFAULTS.kubeVersion),
    apiVersions: [...DEFAULTS.apiVersions, ...(options.apiVersions ?? [])],
    helmVersion: { version: DEFAULTS.helmVersion },
  };
}

/**
 * A Kubernetes version as Helm 4.2's ParseKubeVersion reads it (Kubernetes' generic parser): an optional
 * `v`, at least major and minor, then anything. The version keeps what was given (with a `v`); the
 * normalized form is `v` and the numbers only (`v1.33.4-gke.1` -> `v1.33.4`, `1.28+` -> `v1.28`).
 */
export function parseKubeVersion(version: string): CapabilitiesInfo["kubeVersion"] {
  const fail = (why: string) => new Error(`invalid kube version '${version}': ${why}`);
  const m = /^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)$/.exec(version);
  if (!m) throw fail(`could not parse "${version}" as version`);
  const parts = m[1]!.split(".");
  if (parts.length < 2) throw fail(`illegal version string "${version}"`);
  if (parts[0]!.length > 1 && parts[0]!.startsWith("0")) throw fail(`illegal zero-prefixed version component "${parts[0]}" in "${version}"`);
  const numbers = parts.map((p) => String(Number(p)));
  const gitVersion = version.startsWith("v") ? version : `v${version}`;
  return { version: gitVersion, major: numbers[0]!, minor: numbers[1]!, normalized: `v${numbers.join(".")}` };
}

/** Renders `chart` for a release: the manifest, hooks, notes and CRDs Helm would install. */
export async function renderChart(engine: TemplateEngine, chart: Chart, options: RenderOptions): Promise<RenderedRelease> {
  if (isLibrary(chart)) throw new Error(`${chart.metadata.type} charts are not installable`);
  const caps = options.capabilities ?? defaultCapabilities();
  const kubeRange = chart.metadata.kubeVersion;
  // Checked against what .Capabilities.KubeVersion prints (normalized when parsed), named as given, as Helm 4.2.
  if (kubeRange && !isCompatibleRange(kubeRange, caps.kubeVersion.normalized ?? caps.kubeVersion.version)) {
    throw new Error(`chart requires kubeVersion: ${kubeRange} which is incompatible with Kubernetes ${caps.kubeVersion.version}`);
  }
  const warn = options.warn ?? (() => {});
  const { chart: processed, values } = chartValues(chart, options.values, warn);
  await options.validateValues?.(processed, values);

  const request = renderRequest(processed, values, options.release, caps);
  request.strict = options.strict;
  const result = await engine.render(request, { lookup: options.lookup });
  if ("error" in result) throw new Error(result.error);

  const root = processed.metadata.name;
  const rendered = new Map<string, string>();
  let notes = "";
  for (const [name, text] of result.rendered) {
    if (name.endsWith(DEFAULTS.notesFile)) {
      // Every chart's NOTES.txt is rendered; only the top chart's is kept, and none is a manifest.
      if (name === `${root}/templates/${DEFAULTS.notesFile}`) notes = text;
      continue;
    }
    rendered.set(name, text);
  }
  const sorted = sortManifests(rendered, INSTALL_ORDER, options.style);
  for (const s of sorted.skipped) warn(`skipping unknown hooks: ${s}`);
  return { manifest: manifestText(sorted.manifests), manifests: sorted.manifests, hooks: sorted.hooks, notes, crds: crdFiles(processed, root), values };
}

/** The engine request: every chart of the tree as a scope, every template under its chart path. */
export function renderRequest(chart: Chart, values: Values, release: ReleaseOptions, caps: CapabilitiesInfo): RenderRequest {
  const releaseInfo = {
    name: release.name,
    namespace: release.namespace,
    isUpgrade: !!release.isUpgrade,
    isInstall: !release.isUpgrade,
    revision: release.revision ?? 1,
    service: "Helm",
  };
  const request: RenderRequest = { templates: [], scopes: {}, release: releaseInfo, capabilities: caps };
  const visit = (c: Chart, path: string, scoped: Values): void => {
    const scope: TemplateScope = {
      values: scoped,
      chart: { ...c.metadata },
      files: c.files,
    };
    request.scopes[path] = scope;
    for (const t of c.templates) request.templates.push({ name: `${path}/${t.name}`, data: new TextDecoder().decode(t.data) });
    // A subchart sees the parent's `.<name>` table (its alias once aliased), or nothing, as in Helm's engine.
    for (const sub of c.dependencies) visit(sub, `${path}/charts/${sub.metadata.name}`, tableAt(scoped, sub.metadata.name) ?? {});
  };
  visit(chart, chart.metadata.name, values);
  return request;
}

function crdFiles(chart: Chart, path: string): ChartFile[] {
  const own = chart.crds.map((f) => ({ name: `${path}/${f.name}`, data: f.data }));
  return [...own, ...chart.dependencies.flatMap((d) => crdFiles(d, `${path}/charts/${d.metadata.name}`))];
}
