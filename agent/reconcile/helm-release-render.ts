/**
 * Where a HelmRelease's post-render chain (helm-release-post-render.ts) sits in rendering: over every
 * rendered template, manifests and hooks in one stream (postRenderStrategy `combined`, the default), over
 * manifests and hooks as two streams (`separate`), or over manifests only (`nohooks`). Each object goes
 * back to the template file it came from, matched by group, kind, namespace and name (post-renderers
 * patch objects, they do not rename them), and the release manifest is written again from the result,
 * as Helm stores what its post-renderer returned.
 *
 * Limits: CRDs from the chart's crds/ directory are not post-rendered (a tenant's charts rarely carry
 * them, and a tenant may not create them).
 */
import type { RenderedRelease } from "../helm/render.ts";
import { manifestText, type ManifestDoc } from "../helm/manifest.ts";
import type { StoredHook } from "../helm/release-codec.ts";
import type { KObject } from "../kustomize/resource.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { emitYaml } from "../yaml/emit.ts";
import type { HelmRelease } from "../api/helm-release.ts";
import { postRender } from "./helm-release-post-render.ts";

type HR = Pick<HelmRelease, "metadata" | "spec">;

/** A piece of rendered output: a manifest document or a hook, with its objects. */
interface Piece {
  objects: KObject[];
  write(objects: KObject[]): void;
}

/** The rendered release with the HelmRelease's post-render chain applied. */
export async function postRenderRelease(rendered: RenderedRelease, hr: HR): Promise<RenderedRelease> {
  const manifests: ManifestDoc[] = rendered.manifests.map((d) => ({ ...d }));
  const hooks: StoredHook[] = rendered.hooks.map((h) => ({ ...h }));
  const manifestPieces = manifests.map((d): Piece => ({
    objects: objectsOf(d.content, d.path),
    write: (objs) => (d.content = objs.map((o) => emitYaml(o).trimEnd()).join("\n---\n")),
  }));
  const hookPieces = hooks.map((h): Piece => ({
    objects: objectsOf(h.manifest, h.path),
    write: (objs) => (h.manifest = objs.map((o) => emitYaml(o)).join("---\n")),
  }));
  const strategy = hr.spec.postRenderStrategy ?? "combined";
  if (strategy === "combined") await renderPieces([...manifestPieces, ...hookPieces], hr);
  else {
    await renderPieces(manifestPieces, hr);
    if (strategy === "separate") await renderPieces(hookPieces, hr);
  }
  return { ...rendered, manifests, hooks, manifest: manifestText(manifests) };
}

async function renderPieces(pieces: Piece[], hr: HR): Promise<void> {
  const all = pieces.flatMap((p) => p.objects);
  if (!all.length) return;
  const out = await postRender(all, hr);
  const byId = new Map(out.map((o) => [identity(o), o]));
  for (const p of pieces) p.write(p.objects.map((o) => byId.get(identity(o)) ?? o));
}

function objectsOf(text: string, path: string): KObject[] {
  return parseDocuments(text, path).filter((d): d is KObject => typeof d === "object" && d !== null && !Array.isArray(d));
}

function identity(o: KObject): string {
  const api = String(o.apiVersion ?? "");
  const group = api.includes("/") ? api.slice(0, api.indexOf("/")) : "";
  const meta = o.metadata ?? {};
  return `${group}|${String(o.kind ?? "")}|${String(meta.namespace ?? "")}|${String(meta.name ?? "")}`;
}
