import { describe, expect, test } from "bun:test";
import { commonMetadataDigest, configDigest, desiredDigests, postRenderersDigest, recordedValuesMatch, verifyValues } from "./helm-release-digests.ts";
import { encodeGoJson, GoStruct } from "../core/go-json.ts";
import { digestOf } from "../artifact/digest.ts";

const sha256 = (s: string) => digestOf(new TextEncoder().encode(s));

describe("configDigest is fluxcd/pkg chartutil's DigestValues", () => {
  // The SHA-256 cases of fluxcd/pkg chartutil/digest_test.go, with its expected digests.
  test.each([
    ["empty", {}, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["nil", null, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["value map", { replicas: 3, image: { tag: "latest", repository: "nginx" }, ports: [{ protocol: "TCP", port: 8080 }, { port: 9090, protocol: "UDP" }] },
      "sha256:fcdc2b0de1581a3633ada4afee3f918f6eaa5b5ab38c3fef03d5b48d3f85d9f6"],
    ["value map in different order", { image: { repository: "nginx", tag: "latest" }, ports: [{ port: 8080, protocol: "TCP" }, { port: 9090, protocol: "UDP" }], replicas: 3 },
      "sha256:fcdc2b0de1581a3633ada4afee3f918f6eaa5b5ab38c3fef03d5b48d3f85d9f6"],
    ["values map with numeric keys", { replicas: 3, test: { "632bd80235a05f4192aefade": "value1", "632bd80ddf416cf32fd50679": "value2", "632bd817c559818a52307da2": "value3", "632bd82398e71231a98004b6": "value4" } },
      "sha256:8a980fcbeadd6f05818f07e8aec14070c22250ca3d96af1fcd5f93b3e85b4d70"],
    ["values map with numeric keys in different order", { test: { "632bd82398e71231a98004b6": "value4", "632bd817c559818a52307da2": "value3", "632bd80ddf416cf32fd50679": "value2", "632bd80235a05f4192aefade": "value1" }, replicas: 3 },
      "sha256:8a980fcbeadd6f05818f07e8aec14070c22250ca3d96af1fcd5f93b3e85b4d70"],
  ])("%s", async (_name, values, digest) => {
    expect(await configDigest(values)).toBe(digest);
  });
  test("does not match a mismatching value (chartutil's VerifyValues case)", async () => {
    expect(await configDigest({ foo: "bar" })).not.toBe("sha256:3f3641788a2d4abda3534eaa90c90b54916e4c6e3a5b2e1b24758b7bfa701ecd");
  });
});

describe("verifyValues is fluxcd/pkg chartutil's VerifyValues", () => {
  // The cases of chartutil/digest_test.go TestVerifyValues.
  const E3 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const FC = "sha256:fcdc2b0de1581a3633ada4afee3f918f6eaa5b5ab38c3fef03d5b48d3f85d9f6";
  const image = { repository: "nginx", tag: "latest" };
  const ports = [{ port: 8080, protocol: "TCP" }, { port: 9090, protocol: "UDP" }];
  test.each([
    ["empty values", E3, {}, true],
    ["nil values", E3, null, true],
    ["empty digest", "", null, false],
    ["invalid digest", "sha512:invalid", null, false],
    ["matching values", FC, { image, ports, replicas: 3 }, true],
    ["matching values in different order", FC, { replicas: 3, ports, image }, true],
    ["mismatching values", "sha256:3f3641788a2d4abda3534eaa90c90b54916e4c6e3a5b2e1b24758b7bfa701ecd", { foo: "bar" }, false],
  ] as const)("%s", async (_name, digest, values, ok) => {
    expect(await verifyValues(digest, values as Record<string, unknown> | null)).toBe(ok);
  });
});

describe("postRenderersDigest and commonMetadataDigest hash Go's JSON of the spec field", () => {
  test("are unset when the field is", async () => {
    expect(await postRenderersDigest(undefined)).toBeUndefined();
    expect(await commonMetadataDigest(undefined)).toBeUndefined();
  });
  test("an empty list and an empty struct still have a digest", async () => {
    expect(await postRenderersDigest([])).toBe(await sha256("[]\n"));
    expect(await commonMetadataDigest({})).toBe(await sha256("{}\n"));
  });
  test("write fields in Go's order, leaving out empty ones, whatever order the spec had", async () => {
    const renderers = [
      { kustomize: { images: [{ newTag: "v2", name: "nginx" }], patches: [{ target: { name: "web", kind: "Deployment" }, patch: "- op: add" }] } },
      {},
    ];
    expect(await postRenderersDigest(renderers)).toBe(
      await sha256('[{"kustomize":{"patches":[{"patch":"- op: add","target":{"kind":"Deployment","name":"web"}}],"images":[{"name":"nginx","newTag":"v2"}]}},{}]\n'),
    );
    expect(await commonMetadataDigest({ labels: { b: "2", a: "1" }, annotations: { "x<y": "&" } })).toBe(
      await sha256(`${encodeGoJson(new GoStruct([["annotations", { "x<y": "&" }], ["labels", { a: "1", b: "2" }]]))}\n`),
    );
    expect(encodeGoJson({ "x<y": "&" })).toBe('{"x\\u003cy":"\\u0026"}');
  });
});

describe("desiredDigests: one reconcile's digests computed once", () => {
  test("are the digests each function gives, the unset ones left out", async () => {
    const values = { replicaCount: 2 };
    const spec = { postRenderers: [{ kustomize: { images: [{ name: "nginx", newTag: "1.27" }] } }] };
    expect(await desiredDigests(spec, values)).toEqual({ config: await configDigest(values), postRenderers: (await postRenderersDigest(spec.postRenderers))! });
  });
  test("a recorded sha256 digest is compared with the known one, not hashed again; a legacy sha1 one is", async () => {
    const known = `sha256:${"a".repeat(64)}`;
    expect(await recordedValuesMatch(known, known, { anything: true })).toBe(true);
    expect(await recordedValuesMatch(`sha256:${"b".repeat(64)}`, known, {})).toBe(false);
    const sha1 = [...new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode("replicaCount: 2\n")))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await recordedValuesMatch(`sha1:${sha1}`, known, { replicaCount: 2 })).toBe(true);
  });
});
