import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "../../artifact/pack.ts";
import { FileTree } from "../../artifact/file-tree.ts";
import { RivuletError } from "../../core/errors.ts";
import { startRegistry, type TestRegistry } from "../../../test/support/oci-registry.ts";
import { fetchOciArtifact, resolve } from "./fetch-oci-artifact.ts";
import { MEDIA } from "./media-types.ts";
import { pushArtifact, tagArtifact } from "./push-artifact.ts";
import { pushHelmChart } from "./push-helm-chart.ts";
import { RegistryClient } from "./registry-client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function tarball(files: Record<string, string>): Promise<Uint8Array> {
  const tree = new FileTree(Object.entries(files).map(([p, c]) => [p, { kind: "file", mode: 0o644, data: enc.encode(c) }]));
  return (await pack(tree)).bytes;
}

function fileText(files: FileTree | undefined, path: string): string | undefined {
  const n = files?.get(path);
  return n?.kind === "file" ? dec.decode(n.data) : undefined;
}

let reg: TestRegistry;
let client: RegistryClient;
const repo = "apps/podinfo";

beforeAll(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ host: reg.host, repository: repo, fetch, insecure: true });
  for (const v of ["1.0.0", "1.2.0", "2.0.0-rc.1", "v1.3.0", "0.9.0"]) {
    await pushArtifact(client, {
      tag: v, layer: await tarball({ "version.txt": v, "app/deploy.yaml": `kind: ConfigMap\nversion: ${v}\n` }),
      source: "https://github.com/acme/podinfo", revision: `main@sha1:${"a".repeat(40)}`, created: "2024-01-02T03:04:05Z",
    });
  }
  await tagArtifact(client, "1.2.0", "latest");
});

afterAll(async () => {
  await reg?.stop();
});

const base = () => ({ url: `oci://${reg.host}/${repo}`, fetch, insecure: true });

describe("fetchOciArtifact against distribution 2.8", () => {
  test("pulls the latest tag by default, with a tag@digest revision and the manifest annotations", async () => {
    const r = await fetchOciArtifact(base());
    if (r.status !== "fetched") throw new Error(r.status);
    expect(r.revision).toBe(`latest@${r.digest}`);
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fileText(r.files, "version.txt")).toBe("1.2.0");
    expect(r.metadata).toEqual({
      "org.opencontainers.image.created": "2024-01-02T03:04:05Z",
      "org.opencontainers.image.source": "https://github.com/acme/podinfo",
      "org.opencontainers.image.revision": `main@sha1:${"a".repeat(40)}`,
    });
    expect(r.layer.mediaType).toBe(MEDIA.fluxContent);
  });

  test.each([
    [{ semver: ">=1.0.0" }, "v1.3.0"],
    [{ semver: "1.x", semverFilter: "^1\\.\\d+\\.\\d+$" }, "1.2.0"],
    [{ semver: "<1.0.0" }, "0.9.0"],
    [{ semver: ">=2.0.0-0" }, "2.0.0-rc.1"],
    [{ tag: "1.0.0", semver: "0.x" }, "0.9.0"],
    [{ tag: "1.0.0" }, "1.0.0"],
  ])("ref %j picks %s", async (ref, want) => {
    const r = await fetchOciArtifact({ ...base(), ref });
    if (r.status !== "fetched") throw new Error(r.status);
    expect(fileText(r.files, "version.txt")).toBe(want);
    expect(r.revision.startsWith(`${want}@sha256:`)).toBe(true);
  });

  test("a digest ref wins over tag and semver and gives a bare digest revision", async () => {
    const head = await client.headManifest("1.0.0");
    const r = await fetchOciArtifact({ ...base(), ref: { digest: head!.digest, tag: "1.2.0", semver: "2.x" } });
    if (r.status !== "fetched") throw new Error(r.status);
    expect(r.revision).toBe(head!.digest);
    expect(fileText(r.files, "version.txt")).toBe("1.0.0");
  });

  test("an unchanged digest is not pulled again", async () => {
    const first = await fetchOciArtifact({ ...base(), ref: { tag: "1.0.0" } });
    const again = await fetchOciArtifact({ ...base(), ref: { tag: "1.0.0" }, lastDigest: first.digest });
    expect(again).toEqual({ status: "unchanged", revision: first.revision, digest: first.digest });
  });

  test("the verify hook runs before the pull and a failed verdict stops it", async () => {
    let seen = "";
    const r = await fetchOciArtifact({
      ...base(), ref: { tag: "1.0.0" },
      verify: async (res) => ((seen = res.digest), { verified: false, reason: "NoSignature" }),
    });
    expect(r.status).toBe("unverified");
    expect(seen).toBe(r.digest);
  });

  test("layer selection by media type, extract or copy, and a missing media type", async () => {
    const layer = await tarball({ "chart.yaml": "name: x\n" });
    const layerBlob = await client.pushBlob(layer);
    const cfg = await client.pushBlob(enc.encode("{}"));
    const manifest = enc.encode(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: cfg.digest, size: cfg.size },
      layers: [
        { mediaType: "application/vnd.acme.readme", digest: cfg.digest, size: cfg.size },
        { mediaType: "application/vnd.acme.chart.tar+gzip", digest: layerBlob.digest, size: layerBlob.size },
      ],
    }));
    await client.putManifest("multi", manifest, MEDIA.ociManifest);
    const extracted = await fetchOciArtifact({ ...base(), ref: { tag: "multi" }, layerSelector: { mediaType: "application/vnd.acme.chart.tar+gzip" } });
    if (extracted.status !== "fetched") throw new Error(extracted.status);
    expect(fileText(extracted.files, "chart.yaml")).toBe("name: x\n");
    const copied = await fetchOciArtifact({ ...base(), ref: { tag: "multi" }, layerSelector: { mediaType: "application/vnd.acme.chart.tar+gzip", operation: "copy" } });
    if (copied.status !== "fetched") throw new Error(copied.status);
    expect(copied.files).toBeUndefined();
    expect(copied.layer.bytes).toEqual(layer);
    // The digest first: a rejection that waits for the expectation's own await would be unhandled meanwhile.
    const digest = (await client.headManifest("multi"))!.digest;
    await expect(fetchOciArtifact({ ...base(), ref: { tag: "multi" }, layerSelector: { mediaType: "application/x-none" } }))
      .rejects.toThrow(`Cannot select a layer of ${reg.host}/${repo}@${digest}: no layer has the media type "application/x-none"`);
  });

  test("a semver range over a Helm chart layer reads the tags' _ as + (helm push writes + as _)", async () => {
    const charts = new RegistryClient({ host: reg.host, repository: "charts/web", fetch, insecure: true });
    const pushed = [];
    for (const version of ["0.4.1", "0.4.2+build.7", "0.5.0-rc.1"]) {
      const chart = await tarball({ "web/Chart.yaml": `apiVersion: v2\nname: web\nversion: ${version}\n` });
      pushed.push(await pushHelmChart(charts, { chart, metadata: { apiVersion: "v2", name: "web", version } }));
    }
    expect(pushed.map((p) => p.tag)).toEqual(["0.4.1", "0.4.2_build.7", "0.5.0-rc.1"]);
    const url = `oci://${reg.host}/charts/web`;
    const r = await fetchOciArtifact({ ...base(), url, ref: { semver: ">=0.4.0" }, layerSelector: { mediaType: MEDIA.helmChart, operation: "copy" } });
    expect(r.revision).toBe(`0.4.2_build.7@${pushed[1]!.digest}`);
    // Another layer type reads the tags as they are: 0.4.2_build.7 is then not a version.
    expect((await resolve(charts, { semver: ">=0.4.0" })).tag).toBe("0.4.1");
  });

  test("an index resolves to its linux/amd64 manifest and keeps the index digest in the revision", async () => {
    const amd = await client.headManifest("1.0.0");
    const arm = await client.headManifest("1.2.0");
    const index = enc.encode(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.ociIndex,
      manifests: [
        { mediaType: MEDIA.ociManifest, digest: arm!.digest, size: arm!.size, platform: { os: "linux", architecture: "arm64" } },
        { mediaType: MEDIA.ociManifest, digest: amd!.digest, size: amd!.size, platform: { os: "linux", architecture: "amd64" } },
      ],
    }));
    const indexDigest = await client.putManifest("multiarch", index, MEDIA.ociIndex);
    const r = await fetchOciArtifact({ ...base(), ref: { tag: "multiarch" } });
    if (r.status !== "fetched") throw new Error(r.status);
    expect(r.revision).toBe(`multiarch@${indexDigest}`);
    expect(r.manifestDigest).toBe(amd!.digest);
    expect(fileText(r.files, "version.txt")).toBe("1.0.0");
  });

  test.each([
    [{ tag: "nope" }, 'the tag "nope" does not exist'],
    [{ semver: ">=9.0.0" }, 'no tag matches the semver range ">=9.0.0"'],
    [{ semver: "not a range" }, 'Cannot use the semver range "not a range": improper constraint: "not a range"'],
  ])("ref %j fails with a pinned reason", async (ref, msg) => {
    const err = await fetchOciArtifact({ ...base(), ref }).catch((e) => e);
    expect(err).toBeInstanceOf(RivuletError);
    expect(err.reason).toBe("OCIArtifactPullFailed");
    expect(err.message).toContain(msg);
  });

  test("a tampered blob in the registry storage is a digest error", async () => {
    const layer = await tarball({ "a.txt": "original" });
    const pushed = await pushArtifact(new RegistryClient({ host: reg.host, repository: "tamper/me", fetch, insecure: true }), { tag: "v1", layer });
    const hex = pushed.layerDigest.slice(7);
    const path = join(reg.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(path, bytes);
    const err = await fetchOciArtifact({ ...base(), url: `oci://${reg.host}/tamper/me`, ref: { tag: "v1" } }).catch((e) => e);
    expect(err.reason).toBe("OCIArtifactPullFailed");
    expect(err.message).toMatch(new RegExp(`Cannot trust the blob ${pushed.layerDigest}: its content hashes to sha256:(?!${hex})[0-9a-f]{64}`));
  });

  test("a registry restart keeps the artifacts and the client pulls again", async () => {
    const before = await fetchOciArtifact({ ...base(), ref: { tag: "1.0.0" } });
    await reg.restart();
    const after = await fetchOciArtifact({ ...base(), ref: { tag: "1.0.0" } });
    expect(after.digest).toBe(before.digest);
    expect(after.status).toBe("fetched");
  });

  test("a registry that is down is a pull failure naming the host", async () => {
    const err = await fetchOciArtifact({ ...base(), url: "oci://127.0.0.1:1/x" }).catch((e) => e);
    expect(err.reason).toBe("OCIArtifactPullFailed");
    expect(err.message).toContain("Cannot reach the registry 127.0.0.1:1");
  });
});

describe("htpasswd auth", () => {
  let authReg: TestRegistry;
  beforeAll(async () => {
    authReg = await startRegistry({ auth: true });
  });
  afterAll(async () => {
    await authReg?.stop();
  });

  test("push and pull with basic credentials; none or wrong ones are refused", async () => {
    const creds = { username: authReg.username!, password: authReg.password! };
    const c = new RegistryClient({ host: authReg.host, repository: "private/app", fetch, insecure: true, credentials: creds });
    await pushArtifact(c, { tag: "v1", layer: await tarball({ "x.yaml": "x: 1\n" }) });
    const url = `oci://${authReg.host}/private/app`;
    const ok = await fetchOciArtifact({ url, fetch, insecure: true, credentials: creds, ref: { tag: "v1" } });
    expect(ok.status).toBe("fetched");
    const anon = await fetchOciArtifact({ url, fetch, insecure: true, ref: { tag: "v1" } }).catch((e) => e);
    expect(anon.message).toContain(`Cannot authenticate to ${authReg.host}: the registry asks for credentials and none were given`);
    const wrong = await fetchOciArtifact({ url, fetch, insecure: true, credentials: { ...creds, password: "bad" }, ref: { tag: "v1" } }).catch((e) => e);
    expect(wrong.message).toContain(`Cannot authenticate to ${authReg.host}: the registry refused the credentials`);
  });
});

// Keep the helper honest: the registry really stores blobs where the tamper test looks.
test("the test registry stores blobs under docker/registry/v2", async () => {
  const r = await startRegistry();
  try {
    const c = new RegistryClient({ host: r.host, repository: "s/t", fetch, insecure: true });
    const b = await c.pushBlob(enc.encode("hello"));
    const dir = join(r.storage, "docker/registry/v2/blobs/sha256", b.digest.slice(7, 9));
    expect(readdirSync(dir)).toContain(b.digest.slice(7));
    expect(statSync(join(dir, b.digest.slice(7), "data")).size).toBe(5);
  } finally {
    await r.stop();
  }
});
