/**
 * The media types rivulet reads and writes on OCI registries: image manifests and indexes (OCI and Docker
 * v2), Flux's artifact config and content layer (what `flux push artifact` writes), Helm's chart config
 * and layers (what `helm push` writes), the cosign / Sigstore types for signatures, and CycloneDX for SBOMs.
 */

export const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  fluxConfig: "application/vnd.cncf.flux.config.v1+json",
  fluxContent: "application/vnd.cncf.flux.content.v1.tar+gzip",
  helmConfig: "application/vnd.cncf.helm.config.v1+json",
  helmChart: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
  helmProvenance: "application/vnd.cncf.helm.chart.provenance.v1.prov",
  /** What Helm 3.0-3.7 pushed; still read, with a warning. */
  helmChartLegacy: "application/tar+gzip",
  ociLayerTarGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerLayerTarGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  cosignSimpleSigning: "application/vnd.dev.cosign.simplesigning.v1+json",
  sigstoreBundleV03: "application/vnd.dev.sigstore.bundle.v0.3+json",
  /** A CycloneDX JSON SBOM, attached to an image as a referrer (`rivulet push sbom`). */
  cyclonedx: "application/vnd.cyclonedx+json",
} as const;

/** What a manifest GET accepts: every manifest and index type rivulet understands. */
export const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerList].join(", ");

export const ANNOTATIONS = {
  created: "org.opencontainers.image.created",
  source: "org.opencontainers.image.source",
  revision: "org.opencontainers.image.revision",
  title: "org.opencontainers.image.title",
  version: "org.opencontainers.image.version",
  description: "org.opencontainers.image.description",
  url: "org.opencontainers.image.url",
  authors: "org.opencontainers.image.authors",
} as const;

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}
