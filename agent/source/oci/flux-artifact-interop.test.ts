/**
 * An OCI artifact in the format `flux push artifact` writes (test/fixtures/flux-oci-artifact/SOURCE.md):
 * Flux's config and content media types, its three OpenContainers annotations, the config JSON of
 * go-containerregistry's empty image, and a layer made by GNU tar and gzip from the tree fluxcd/pkg's own
 * push tests use. The bytes are pushed as they are to Debian's docker-registry and pulled with the
 * OCIRepository fetch code: nothing here was packed or serialised by rivulet, so a pull that only works
 * with our own push fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { startRegistry, type TestRegistry } from "../../../test/support/oci-registry.ts";
import { fixtureBytes, fixtureJson, fixtureText } from "../../../test/support/fixtures.ts";
import { fetchOciArtifact } from "./fetch-oci-artifact.ts";
import { MEDIA } from "./media-types.ts";
import { RegistryClient, type ImageManifest } from "./registry-client.ts";

const dir = "flux-oci-artifact";
const manifestBytes = fixtureBytes(`${dir}/manifest.json`);
const configBytes = fixtureBytes(`${dir}/config.json`);
const layerBytes = fixtureBytes(`${dir}/layer.tar.gz`);
const manifest = fixtureJson<ImageManifest>(`${dir}/manifest.json`);
const rfc = fixtureJson<ImageManifest>(`${dir}/rfc-0003-manifest.json`);
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const MANIFEST_DIGEST = sha256(manifestBytes);

/** The fixture tree, path -> text, as the layer was made from it. */
function treeFiles(): Record<string, string> {
  const root = join(import.meta.dirname, "../../../test/fixtures", dir, "tree");
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else out[path] = fixtureText(`${dir}/tree/${path}`);
    }
  };
  walk("");
  return out;
}

describe("the fixture is in the format Flux's RFC 0003 documents", () => {
  test("same keys in the same order, media types, annotations and config size as the RFC's manifest", () => {
    expect(Object.keys(manifest)).toEqual(Object.keys(rfc));
    expect(Object.keys(manifest.config)).toEqual(Object.keys(rfc.config));
    expect(Object.keys(manifest.layers[0]!)).toEqual(Object.keys(rfc.layers[0]!));
    expect(manifest.mediaType).toBe(rfc.mediaType!);
    expect(manifest.config.mediaType).toBe(rfc.config.mediaType);
    expect(manifest.config.mediaType).toBe(MEDIA.fluxConfig);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(rfc.layers.map((l) => l.mediaType));
    expect(manifest.layers[0]!.mediaType).toBe(MEDIA.fluxContent);
    expect(manifest.annotations).toEqual(rfc.annotations!);
    // go-containerregistry's config for one layer and a created time is 233 bytes, as the RFC's is.
    expect(configBytes.length).toBe(rfc.config.size);
  });

  test("descriptors and the config's diff_id name the fixture's bytes", () => {
    expect(manifest.config).toMatchObject({ digest: sha256(configBytes), size: configBytes.length });
    expect(manifest.layers[0]).toMatchObject({ digest: sha256(layerBytes), size: layerBytes.length });
    const config = JSON.parse(new TextDecoder().decode(configBytes)) as { rootfs: { diff_ids: string[] }; created: string };
    expect(config.rootfs.diff_ids).toEqual([sha256(gunzipSync(layerBytes))]);
    expect(config.created).toBe(manifest.annotations!["org.opencontainers.image.created"]!);
  });
});

describe("pulling the Flux-format artifact from docker-registry", () => {
  let reg: TestRegistry;
  const repository = "flux/app-config";

  beforeAll(async () => {
    reg = await startRegistry();
    const client = new RegistryClient({ host: reg.host, repository, fetch, insecure: true });
    await client.pushBlob(configBytes);
    await client.pushBlob(layerBytes);
    expect(await client.putManifest("v1.0.0", manifestBytes, MEDIA.ociManifest)).toBe(MANIFEST_DIGEST);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const base = () => ({ url: `oci://${reg.host}/${repository}`, fetch, insecure: true });

  test("extracts the tree, with Flux's tag@digest revision and the annotations as metadata", async () => {
    const r = await fetchOciArtifact({ ...base(), ref: { tag: "v1.0.0" } });
    if (r.status !== "fetched") throw new Error(r.status);
    expect(r.revision).toBe(`v1.0.0@${MANIFEST_DIGEST}`);
    expect(r.metadata).toEqual(rfc.annotations!);
    expect(r.layer.mediaType).toBe(MEDIA.fluxContent);
    const files: Record<string, string> = {};
    for (const [path, node] of r.files ?? []) if (node.kind === "file") files[path] = new TextDecoder().decode(node.data);
    expect(files).toEqual(treeFiles());
  });

  test("a digest ref gives the bare digest revision; selecting Flux's media type with copy returns the layer as pushed", async () => {
    const r = await fetchOciArtifact({
      ...base(),
      ref: { digest: MANIFEST_DIGEST },
      layerSelector: { mediaType: "application/vnd.cncf.flux.content.v1.tar+gzip", operation: "copy" },
    });
    if (r.status !== "fetched") throw new Error(r.status);
    expect(r.revision).toBe(MANIFEST_DIGEST);
    expect(r.operation).toBe("copy");
    expect(sha256(r.layer.bytes)).toBe(sha256(layerBytes));
  });
});
