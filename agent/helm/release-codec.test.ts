import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRelease, encodeRelease, releaseSecretName } from "./release-codec.ts";
import { base64Decode, base64Encode } from "../core/bytes.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const haveFixtures = existsSync(fixtures);
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");
const text = (b64: string) => new TextDecoder().decode(base64Decode(b64));

// The expected fields come from SOURCE.md beside the fixtures (read from the real releases upstream).
// Skipped when ../shared/fixtures is absent (a checkout without the shared fixtures).
describe.skipIf(!haveFixtures)("release codec on Helm's stored releases", () => {
  test("istio-base-1 decodes to its release, chart and manifest", () => {
    const r = decodeRelease(fixture("istio-base-1"));
    expect([r.name, r.namespace, r.version, r.info.status, r.info.description]).toEqual(["istio-base", "istio-system", 1, "deployed", "Install complete"]);
    expect([r.chart.metadata.name, r.chart.metadata.version, r.chart.metadata.apiVersion]).toEqual(["base", "1.13.3", "v1"]);
    expect(r.chart.templates).toHaveLength(11);
    expect("hooks" in r).toBe(false);
    expect("config" in r).toBe(false);
    expect(r.info.deleted).toBe("");
    expect(r.manifest.startsWith("---\n# Source: base/templates/")).toBe(true);
    expect(r.chart.templates.map((t) => t.name)).toContain("templates/NOTES.txt");
  });

  test("podinfo-helm-1 keeps its three test hooks in order", () => {
    const r = decodeRelease(fixture("podinfo-helm-1"));
    expect([r.name, r.namespace, r.chart.metadata.version]).toEqual(["podinfo-helmrepository", "default", "4.0.6"]);
    expect(r.hooks!.map((h) => [h.name, h.events, h.last_run.phase])).toEqual([
      ["podinfo-helmrepository-grpc-test-j27d9", ["test"], "Succeeded"],
      ["podinfo-helmrepository-jwt-test-1wvra", ["test"], "Succeeded"],
      ["podinfo-helmrepository-service-test-qlwrb", ["test"], "Succeeded"],
    ]);
  });

  test("prom-stack-1 has eight hooks, one of them a test hook that never ran", () => {
    const r = decodeRelease(fixture("prom-stack-1"));
    expect(r.name).toBe("kube-prometheus-stack-1651689946");
    expect((r.chart.metadata.dependencies as unknown[]).length).toBe(3);
    expect(r.hooks).toHaveLength(8);
    const tests = r.hooks!.filter((h) => h.events.includes("test"));
    expect(tests.map((h) => [h.name, h.last_run.phase, h.last_run.started_at])).toEqual([["kube-prometheus-stack-1651689946-grafana-test", "", ""]]);
  });

  for (const name of ["istio-base-1", "podinfo-helm-1", "prom-stack-1"]) {
    test(`${name} survives encode then decode unchanged`, () => {
      const r = decodeRelease(fixture(name));
      const again = decodeRelease(encodeRelease(r));
      expect(again).toEqual(r);
      // Key order survives too, so a re-encoded release reads the same to a person diffing it.
      expect(JSON.stringify(again)).toBe(JSON.stringify(r));
    });
  }

  test("chart files keep their bytes as base64, as Go encodes []byte", () => {
    const r = decodeRelease(fixture("istio-base-1"));
    const notes = r.chart.templates.find((t) => t.name === "templates/NOTES.txt")!;
    expect(text(notes.data).length).toBeGreaterThan(0);
  });
});

describe("release codec", () => {
  test("reads plain base64 JSON without gzip, as Helm does", () => {
    const json = JSON.stringify({ name: "a", version: 2, info: { status: "failed" }, manifest: "" });
    const r = decodeRelease(base64Encode(new TextEncoder().encode(json)));
    expect([r.name, r.version, r.info.status]).toEqual(["a", 2, "failed"]);
  });

  test.each([
    ["not base64 at all!", "Cannot decode the Helm release: the value is not base64"],
    [base64Encode(new TextEncoder().encode("[1]")), "Cannot decode the Helm release: the JSON is not an object"],
    [base64Encode(new TextEncoder().encode('{"name":"a","version":1.5,"info":{"status":"x"}}')), 'Cannot decode the Helm release: "version" is not an integer'],
    [base64Encode(new TextEncoder().encode('{"name":"a","version":1}')), 'Cannot decode the Helm release: "info.status" is missing'],
  ])("refuses %s", (input, message) => {
    expect(() => decodeRelease(input)).toThrow(message);
  });

  test("names the Secret as Helm's storage does", () => {
    expect(releaseSecretName("podinfo", 3)).toBe("sh.helm.release.v1.podinfo.v3");
  });
});
