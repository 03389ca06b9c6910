/**
 * A HelmRelease's post-render chain, in helm-controller's order (internal/postrender/build.go, read, not
 * copied): each `spec.postRenderers[].kustomize` (patches and images, through rivulet's kustomize engine
 * over an in-memory tree holding the rendered objects as one resource file, as helm-controller does),
 * then `spec.commonMetadata` (labels, then annotations, on metadata only: selectors and pod templates are
 * left alone), then always the origin labels `helm.toolkit.fluxcd.io/name` and `.../namespace` naming
 * the HelmRelease, which win over a common label with the same key. The same metadata goes on CRDs
 * installed from the chart's crds/ directory; the caller passes those through postRenderMetadata.
 *
 * Objects in, new objects out; the input is not changed.
 *
 * Limits: this is the post-renderer itself (Helm's PostRenderer.Run over parsed objects). Helm 4 runs it
 * inside rendering, before hooks and manifests are told apart: with postRenderStrategy combined (the
 * default) on every template file merged into one stream, each document annotated with
 * `postrenderer.helm.sh/postrender-filename` so the files can be rebuilt after; with separate on hooks and
 * manifests as two streams; with nohooks on manifests only. That wiring belongs to the render step.
 */
import { kustomizeBuild } from "../kustomize/build.ts";
import type { KObject } from "../kustomize/resource.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { emitDocuments, emitYaml } from "../yaml/emit.ts";
import type { HelmRelease } from "../api/helm-release.ts";

export const ORIGIN_NAME_LABEL = "helm.toolkit.fluxcd.io/name";
export const ORIGIN_NAMESPACE_LABEL = "helm.toolkit.fluxcd.io/namespace";

type HR = Pick<HelmRelease, "metadata" | "spec">;
type KustomizeRenderer = NonNullable<NonNullable<HelmRelease["spec"]["postRenderers"]>[number]["kustomize"]>;

/** The whole chain over the rendered objects of a release. */
export async function postRender(objects: readonly KObject[], hr: HR): Promise<KObject[]> {
  let out = objects.map((o) => structuredClone(o));
  for (const [i, renderer] of (hr.spec.postRenderers ?? []).entries()) {
    if (!renderer.kustomize) continue;
    try {
      out = await kustomizePostRender(out, renderer.kustomize);
    } catch (err) {
      throw new Error(`post-renderer ${i + 1} (kustomize) failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return postRenderMetadata(out, hr);
}

/** commonMetadata, then the origin labels; the last steps of the chain, also used for chart CRDs. */
export function postRenderMetadata(objects: readonly KObject[], hr: HR): KObject[] {
  return applyOriginLabels(applyCommonMetadata(objects, hr.spec.commonMetadata ?? {}), hr.metadata.name ?? "", hr.metadata.namespace ?? "");
}

/** Adds the labels and annotations to every object's metadata; theirs are replaced on equal keys. */
export function applyCommonMetadata(objects: readonly KObject[], common: { labels?: Record<string, string>; annotations?: Record<string, string> }): KObject[] {
  return objects.map((o) => {
    const meta = { ...((o.metadata ?? {}) as Record<string, unknown>) };
    if (common.labels) meta.labels = { ...((meta.labels ?? {}) as Record<string, string>), ...common.labels };
    if (common.annotations) meta.annotations = { ...((meta.annotations ?? {}) as Record<string, string>), ...common.annotations };
    return { ...o, metadata: meta };
  });
}

/** The labels naming the HelmRelease an object belongs to, on every object (flux trace and tree read them). */
export function applyOriginLabels(objects: readonly KObject[], name: string, namespace: string): KObject[] {
  return applyCommonMetadata(objects, { labels: { [ORIGIN_NAME_LABEL]: name, [ORIGIN_NAMESPACE_LABEL]: namespace } });
}

/** One kustomize post-renderer: the objects as `helm-output.yaml`, built with the renderer's patches and images. */
async function kustomizePostRender(objects: readonly KObject[], k: KustomizeRenderer): Promise<KObject[]> {
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: ["helm-output.yaml"],
    ...(k.images?.length ? { images: k.images } : {}),
    ...(k.patches?.length ? { patches: k.patches } : {}),
  };
  const tree = textFileTree({ "helm-output.yaml": emitDocuments([...objects]), "kustomization.yaml": emitYaml(kustomization) });
  return (await kustomizeBuild(tree, "")).map(stringAnnotations);
}

/**
 * kustomize (kyaml) rewrites every resource's annotations as a string map when it strips its internal
 * ones at the end of a build, so a patch that sets an annotation to 42 comes out as "42" in Flux;
 * rivulet's engine keeps the number, which the API server would refuse.
 */
function stringAnnotations(o: KObject): KObject {
  const annotations = o.metadata?.annotations;
  if (annotations === null || typeof annotations !== "object") return o;
  const strings = Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, typeof v === "string" ? v : v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v)]));
  return { ...o, metadata: { ...o.metadata, annotations: strings } };
}
