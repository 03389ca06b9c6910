/**
 * The digests helm-controller keeps in a HelmRelease's status besides the release's own, computed over
 * the same bytes it hashes, so rivulet's status reads the same as Flux's for the same spec:
 * - `configDigest` (history[].configDigest, lastAttemptedConfigDigest): fluxcd/pkg chartutil's
 *   DigestValues, sha256 over go-yaml v2's text of the values with every map's keys sorted; no values (or
 *   an empty map) hash nothing at all.
 * - `observedPostRenderersDigest` and `observedCommonMetadataDigest`: sha256 over Go's json.Encoder output
 *   (trailing newline included) of spec.postRenderers and spec.commonMetadata, in the field order of
 *   helm-controller's and fluxcd/pkg's Go types; unset when the field is unset.
 */
import { GoStruct, encodeGoJson, type GoJson } from "../core/go-json.ts";
import { encodeYamlV2, sortedYamlV2 } from "../yaml/go-yaml-v2.ts";
import { digestOf } from "../artifact/digest.ts";
import type { HelmReleaseSpec } from "../api/helm-release.ts";

const sha256 = (text: string) => digestOf(new TextEncoder().encode(text));

/** chartutil.DigestValues(sha256, values). */
export async function configDigest(values: Record<string, unknown> | null | undefined): Promise<string> {
  if (!values || Object.keys(values).length === 0) return sha256("");
  return sha256(encodeYamlV2(sortedYamlV2(values)));
}

/**
 * chartutil.VerifyValues: whether `digest` (`sha256:` or, from the deprecated
 * lastAttemptedValuesChecksum, `sha1:`) is the digest of these values; a malformed one never is.
 */
export async function verifyValues(digest: string, values: Record<string, unknown> | null | undefined): Promise<boolean> {
  const m = /^(sha256|sha1):([0-9a-f]+)$/.exec(digest);
  if (!m || m[2]!.length !== (m[1] === "sha256" ? 64 : 40)) return false;
  const text = !values || Object.keys(values).length === 0 ? "" : encodeYamlV2(sortedYamlV2(values));
  if (m[1] === "sha256") return (await sha256(text)) === digest;
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return [...sum].map((b) => b.toString(16).padStart(2, "0")).join("") === m[2];
}

/** The digests of one reconcile's desired state: computed once, then compared and recorded from there. */
export interface DesiredDigests {
  /** configDigest of the composed values. */
  config: string;
  postRenderers?: string;
  commonMetadata?: string;
}

export async function desiredDigests(spec: Pick<HelmReleaseSpec, "postRenderers" | "commonMetadata">, values: Record<string, unknown>): Promise<DesiredDigests> {
  const [config, postRenderers, commonMetadata] = await Promise.all([configDigest(values), postRenderersDigest(spec.postRenderers), commonMetadataDigest(spec.commonMetadata)]);
  return { config, ...(postRenderers ? { postRenderers } : {}), ...(commonMetadata ? { commonMetadata } : {}) };
}

/**
 * verifyValues when the values' configDigest (`config`) is known: a recorded `sha256:` digest is compared
 * with it; only a legacy `sha1:` one hashes the values again.
 */
export function recordedValuesMatch(recorded: string, config: string, values: Record<string, unknown>): Promise<boolean> {
  return recorded.startsWith("sha256:") ? Promise.resolve(recorded === config) : verifyValues(recorded, values);
}

/** The digest of spec.postRenderers, or undefined when the field is unset. */
export async function postRenderersDigest(postRenderers: HelmReleaseSpec["postRenderers"]): Promise<string | undefined> {
  if (postRenderers === undefined) return undefined;
  const json = postRenderers.map((r) => {
    if (!r.kustomize) return new GoStruct([]);
    const { patches, images } = r.kustomize;
    return new GoStruct([["kustomize", new GoStruct(omitEmptyLists([["patches", patches?.map(patchJson)], ["images", images?.map(imageJson)]]))]]);
  });
  return sha256(`${encodeGoJson(json)}\n`);
}

/** The digest of spec.commonMetadata, or undefined when the field is unset. */
export async function commonMetadataDigest(commonMetadata: HelmReleaseSpec["commonMetadata"]): Promise<string | undefined> {
  if (commonMetadata === undefined) return undefined;
  const { annotations, labels } = commonMetadata;
  const json = new GoStruct(omitEmptyMaps([["annotations", annotations], ["labels", labels]]));
  return sha256(`${encodeGoJson(json)}\n`);
}

type Patch = NonNullable<NonNullable<NonNullable<HelmReleaseSpec["postRenderers"]>[number]["kustomize"]>["patches"]>[number];
type Image = NonNullable<NonNullable<NonNullable<HelmReleaseSpec["postRenderers"]>[number]["kustomize"]>["images"]>[number];

/** fluxcd/pkg kustomize.Patch; its target is a pointer, so an empty one is still written. */
function patchJson(p: Patch): GoStruct {
  const t = p.target;
  const target = t
    ? new GoStruct(
        omitEmptyStrings([
          ["group", t.group], ["version", t.version], ["kind", t.kind], ["namespace", t.namespace],
          ["name", t.name], ["annotationSelector", t.annotationSelector], ["labelSelector", t.labelSelector],
        ]),
      )
    : undefined;
  return new GoStruct([["patch", p.patch], ...(target ? [["target", target] as const] : [])]);
}

/** fluxcd/pkg kustomize.Image. */
function imageJson(i: Image): GoStruct {
  return new GoStruct([["name", i.name], ...omitEmptyStrings([["newName", i.newName], ["newTag", i.newTag], ["digest", i.digest]])]);
}

type Field = readonly [string, GoJson];
const omitEmptyStrings = (fields: ReadonlyArray<readonly [string, string | undefined]>): Field[] =>
  fields.filter((f): f is readonly [string, string] => !!f[1]);
const omitEmptyLists = (fields: ReadonlyArray<readonly [string, GoJson[] | undefined]>): Field[] =>
  fields.filter((f): f is readonly [string, GoJson[]] => !!f[1] && f[1].length > 0);
const omitEmptyMaps = (fields: ReadonlyArray<readonly [string, Record<string, string> | undefined]>): Field[] =>
  fields.filter((f): f is readonly [string, Record<string, string>] => !!f[1] && Object.keys(f[1]).length > 0);
