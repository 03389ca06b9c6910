/**
 * Pushes a packaged chart as `helm push` (Helm 4.2 pkg/registry, read, not copied) does: the .tgz as
 * one layer `application/vnd.cncf.helm.chart.content.v1.tar+gzip`, an optional provenance layer, layers
 * sorted by digest, a config `application/vnd.cncf.helm.config.v1+json` holding Chart.yaml's metadata as
 * Go marshals Helm's Metadata struct (its field order, empty fields left out), and an OCI image manifest
 * (no `mediaType` field: the header carries it) annotated from the metadata: title, version,
 * description, url (home), created, source (the first of sources), authors (`name (email)`, joined by
 * `, `), then Chart.yaml's own annotations, which may not override title or version. The tag is the
 * version with `+` written `_`. The caller passes Chart.yaml's metadata: source/ does not read charts.
 */
import { ANNOTATIONS, MEDIA } from "./media-types.ts";
import { ociTag } from "./chart-tag.ts";
import { sortKeys } from "./push-artifact.ts";
import type { RegistryClient } from "./registry-client.ts";
import { formatTime } from "../../core/time.ts";

export interface PushHelmChartOptions {
  /** The packaged chart. */
  chart: Uint8Array;
  /** Chart.yaml as loaded (name and version required). */
  metadata: Record<string, unknown>;
  provenance?: Uint8Array;
  /** RFC 3339; now when unset. */
  created?: string;
}

export interface PushedHelmChart {
  tag: string;
  digest: string;
  chartDigest: string;
  configDigest: string;
}

export async function pushHelmChart(client: RegistryClient, o: PushHelmChartOptions): Promise<PushedHelmChart> {
  const { name, version } = o.metadata;
  if (typeof name !== "string" || typeof version !== "string" || !name || !version) {
    throw new Error(`Cannot push the chart to ${client.host}/${client.repository}: its metadata has no name or version`);
  }
  const enc = new TextEncoder();
  const chart = await client.pushBlob(o.chart);
  const config = await client.pushBlob(enc.encode(JSON.stringify(goMetadata(o.metadata))));
  const layers: { mediaType: string; digest: string; size: number }[] = [{ mediaType: MEDIA.helmChart, digest: chart.digest, size: chart.size }];
  if (o.provenance) {
    const prov = await client.pushBlob(o.provenance);
    layers.push({ mediaType: MEDIA.helmProvenance, digest: prov.digest, size: prov.size });
  }
  layers.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const manifest = {
    schemaVersion: 2,
    config: { mediaType: MEDIA.helmConfig, digest: config.digest, size: config.size },
    layers,
    annotations: sortKeys(chartAnnotations(o.metadata, o.created ?? formatTime(new Date()))),
  };
  const tag = ociTag(version);
  const digest = await client.putManifest(tag, enc.encode(JSON.stringify(manifest)), MEDIA.ociManifest);
  return { tag, digest, chartDigest: chart.digest, configDigest: config.digest };
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The manifest annotations `helm push` derives from Chart.yaml. */
export function chartAnnotations(md: Record<string, unknown>, created: string): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (key: string, value: string) => {
    if (value.trim() !== "") out[key] = value;
  };
  add(ANNOTATIONS.description, str(md.description));
  add(ANNOTATIONS.title, str(md.name));
  add(ANNOTATIONS.version, str(md.version));
  add(ANNOTATIONS.url, str(md.home));
  add(ANNOTATIONS.created, created);
  const sources = Array.isArray(md.sources) ? md.sources : [];
  if (sources.length > 0) add(ANNOTATIONS.source, str(sources[0]));
  const maintainers = Array.isArray(md.maintainers) ? (md.maintainers as Record<string, unknown>[]) : [];
  if (maintainers.length > 0) {
    add(ANNOTATIONS.authors, maintainers.map((m) => `${str(m?.name)}${str(m?.email) ? ` (${str(m?.email)})` : ""}`).join(", "));
  }
  const own = md.annotations && typeof md.annotations === "object" ? (md.annotations as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(own)) {
    if (k !== ANNOTATIONS.title && k !== ANNOTATIONS.version) out[k] = str(v);
  }
  return out;
}

// Helm's Metadata and Dependency structs, field by field in declaration order; `keep` fields are not omitempty.
const METADATA_FIELDS = ["name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion", "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type"];
const MAINTAINER_FIELDS = ["name", "email", "url"];
const DEPENDENCY_FIELDS = ["name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias"];
const DEPENDENCY_KEEP = new Set(["name", "repository"]);

/** Chart.yaml's metadata as Go's encoding/json writes Helm's Metadata struct. */
export function goMetadata(md: Record<string, unknown>): Record<string, unknown> {
  const out = pick(md, METADATA_FIELDS);
  if (Array.isArray(out.maintainers)) out.maintainers = out.maintainers.map((m) => (m === null ? null : pick(m as Record<string, unknown>, MAINTAINER_FIELDS)));
  if (Array.isArray(out.dependencies)) out.dependencies = out.dependencies.map((d) => (d === null ? null : pick(d as Record<string, unknown>, DEPENDENCY_FIELDS, DEPENDENCY_KEEP)));
  if (out.annotations) out.annotations = sortKeys(out.annotations as Record<string, string>);
  return out;
}

function pick(o: Record<string, unknown>, fields: string[], keep = new Set<string>()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = o[f];
    const empty = v === undefined || v === null || v === "" || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    if (!empty) out[f] = v;
    else if (keep.has(f)) out[f] = typeof v === "string" ? v : "";
  }
  return out;
}
