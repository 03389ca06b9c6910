import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import { applyDefaults, validate } from "./validate.ts";
import { INVALID_OBJECTS, alert, git, ks, oci, provider } from "./testdata/invalid-objects.ts";
import { INVALID_HELM_RELEASES, hr } from "./testdata/invalid-helm-releases.ts";

const testdata = join(import.meta.dirname, "testdata");
const fixtures = readdirSync(testdata)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((file) =>
    parseDocuments(readFileSync(join(testdata, file), "utf8"), file).map((obj, i) => {
      const o = obj as { kind: string; metadata: { name: string } };
      return { name: `${file}#${i} ${o.kind}/${o.metadata.name}`, obj };
    }),
  );

describe("Flux's documented examples", () => {
  test("there are fixtures for every served kind", () => {
    const kinds = new Set(fixtures.map((f) => (f.obj as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(["Alert", "Bucket", "GitRepository", "HelmChart", "HelmRelease", "HelmRepository", "ImagePolicy", "ImageRepository", "ImageUpdateAutomation", "Kustomization", "OCIRepository", "Provider", "Receiver"]);
  });
  test.each(fixtures)("$name validates with no errors, even in strict mode", ({ obj }) => {
    expect(validate(obj)).toEqual([]);
    expect(validate(obj, { strict: true })).toEqual([]);
  });
});

const invalid = [
  ...INVALID_OBJECTS,
  ...INVALID_HELM_RELEASES,
  { name: "provider type email", obj: provider({ type: "email" }),
    errors: [expect.stringMatching(/^spec\.type: Unsupported value: "email": supported values: "slack", "discord", .*"incident\.io"$/) as unknown as string] },
  { name: "a kind rivulet does not serve", obj: { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "ExternalArtifact", metadata: { name: "x" }, spec: {} },
    errors: [expect.stringMatching(/^kind: Invalid value: "source.toolkit.fluxcd.io\/v1\/ExternalArtifact": not a kind rivulet serves \(source/) as unknown as string] },
  { name: "an object without apiVersion and kind", obj: { metadata: { name: "x" } }, errors: ["apiVersion: Required value", "kind: Required value"] },
];

describe("objects the API server would refuse", () => {
  test.each(invalid)("$name", ({ obj, errors }) => {
    expect(validate(obj).map((e) => e.message)).toEqual(errors);
  });
});

describe("validate", () => {
  test("strict mode names unknown fields the API server would prune", () => {
    const obj = git({ urll: "x", ref: { brnach: "main" } });
    expect(validate(obj)).toEqual([]);
    expect(validate(obj, { strict: true }).map((e) => e.message)).toEqual([
      `unknown field "spec.ref.brnach"`,
      `unknown field "spec.urll"`,
    ]);
  });
  test("errors carry the field path and a reason", () => {
    expect(validate(git({ url: "ftp://x" }))).toEqual([
      { path: "spec.url", reason: "pattern", message: expect.stringContaining("spec.url in body should match") },
    ]);
  });
});

describe("applyDefaults", () => {
  test("fills the defaults Flux's CRDs declare and leaves the input alone", () => {
    const input = git({ verify: { secretRef: { name: "keys" } } });
    const out = applyDefaults(input);
    expect(out.spec as unknown).toEqual({ ...input.spec, timeout: "60s", verify: { mode: "HEAD", secretRef: { name: "keys" } } });
    expect((out as Record<string, unknown>).status).toEqual({ observedGeneration: -1 });
    expect(input.spec).not.toHaveProperty("timeout");
  });
  test("never overrides a value that is set", () => {
    const out = applyDefaults(oci({ provider: "aws", timeout: "2m" }));
    expect(out.spec).toMatchObject({ provider: "aws", timeout: "2m" });
  });
  test("defaults inside array items", () => {
    const out = applyDefaults(ks({ postBuild: { substituteFrom: [{ kind: "Secret", name: "a" }, { kind: "ConfigMap", name: "b", optional: true }] } }));
    expect(out.spec).toMatchObject({ force: false, postBuild: { substituteFrom: [{ optional: false }, { optional: true }] } });
  });
  test("fills a HelmRelease's chart template and uninstall defaults as Flux's CRD does", () => {
    const chart = { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "podinfo" }, verify: { secretRef: { name: "k" } } } };
    const out = applyDefaults(hr({ chartRef: undefined, chart, uninstall: {} }));
    expect(out.spec).toMatchObject({
      chart: { spec: { version: "*", reconcileStrategy: "ChartVersion", verify: { provider: "cosign", secretRef: { name: "k" } } } },
      uninstall: { deletionPropagation: "background" },
    });
    expect(out.spec).not.toHaveProperty("maxHistory");
  });
  test("static kinds get no status", () => {
    expect(applyDefaults(alert({})) as unknown).toEqual({ ...alert({}), spec: { ...alert({}).spec, eventSeverity: "info" } });
  });
  test("objects of kinds rivulet does not serve come back unchanged", () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    expect(applyDefaults(obj)).toEqual(obj);
  });
});
