import { describe, expect, test } from "bun:test";
import { encodeFluxEvent, fluxEventOf, parseFluxEvent, reportingControllerFor, type FluxEvent } from "./flux-event.ts";

const ks = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "webapp", namespace: "apps", uid: "u-1", resourceVersion: "42", annotations: { "event.toolkit.fluxcd.io/env": "prod", other: "x" } },
};
const now = new Date("2026-12-06T08:00:00.123Z");

describe("fluxEventOf", () => {
  test("a Warning is an error event, a Normal one info, with Flux's involvedObject and the event annotations", () => {
    const e = fluxEventOf(ks, { type: "Warning", reason: "HealthCheckFailed", message: "timeout", metadata: { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc" } }, { controller: "kustomize-controller", instance: "i-1", now })!;
    expect(e).toEqual({
      involvedObject: { kind: "Kustomization", namespace: "apps", name: "webapp", uid: "u-1", apiVersion: "kustomize.toolkit.fluxcd.io/v1", resourceVersion: "42" },
      severity: "error",
      timestamp: "2026-12-06T08:00:00Z",
      message: "timeout",
      reason: "HealthCheckFailed",
      metadata: { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc", "event.toolkit.fluxcd.io/env": "prod" },
      reportingController: "kustomize-controller",
      reportingInstance: "i-1",
    });
    expect(fluxEventOf(ks, { type: "Normal", reason: "Progressing", message: "m" }, { controller: "c", now })!.severity).toBe("info");
  });

  test("trace events never become Flux events", () => {
    expect(fluxEventOf(ks, { type: "Normal", reason: "ArtifactUpToDate", message: "m", trace: true }, { controller: "c", now })).toBeUndefined();
  });

  test.each([
    ["source.toolkit.fluxcd.io/v1", "GitRepository", "source-controller"],
    ["kustomize.toolkit.fluxcd.io/v1", "Kustomization", "kustomize-controller"],
    ["helm.toolkit.fluxcd.io/v2", "HelmRelease", "helm-controller"],
    ["image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", "image-reflector-controller"],
    ["image.toolkit.fluxcd.io/v1beta2", "ImageUpdateAutomation", "image-automation-controller"],
  ])("%s %s is reported by %s", (apiVersion, kind, controller) => {
    expect(reportingControllerFor(apiVersion, kind)).toBe(controller);
  });
});

describe("encodeFluxEvent", () => {
  test("writes Go's field order, omits empty fields, sorts metadata and escapes HTML as json.Marshal does", () => {
    const e: FluxEvent = {
      involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "a", namespace: "ns" },
      severity: "info",
      timestamp: "2026-12-06T08:00:00Z",
      message: "<b> & done",
      reason: "ReconciliationSucceeded",
      metadata: { z: "1", a: "2" },
      reportingController: "kustomize-controller",
    };
    expect(encodeFluxEvent(e)).toBe(
      '{"involvedObject":{"kind":"Kustomization","namespace":"ns","name":"a","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},"severity":"info","timestamp":"2026-12-06T08:00:00Z","message":"\\u003cb\\u003e \\u0026 done","reason":"ReconciliationSucceeded","metadata":{"a":"2","z":"1"},"reportingController":"kustomize-controller"}',
    );
  });
});

describe("parseFluxEvent", () => {
  test("reads what a Flux controller posts, ignoring unknown fields", () => {
    const e = parseFluxEvent('{"involvedObject":{"kind":"GitRepository","name":"r","namespace":"ns","extra":1},"severity":"info","timestamp":"2026-12-06T08:00:00.5Z","message":"m","reason":"x","reportingController":"source-controller","unknown":true}');
    expect(e).toEqual({ involvedObject: { kind: "GitRepository", name: "r", namespace: "ns" }, severity: "info", timestamp: "2026-12-06T08:00:00Z", message: "m", reason: "x", reportingController: "source-controller" });
  });

  test.each([
    ["[]", "Cannot decode the event: the body is not a JSON object"],
    ['{"message":1}', "Cannot decode the event: message is not a string"],
    ['{"involvedObject":"x"}', "Cannot decode the event: involvedObject is not an object"],
    ['{"metadata":{"a":1}}', "Cannot decode the event: metadata.a is not a string"],
    ['{"timestamp":"yesterday"}', 'Cannot decode the event: timestamp "yesterday" is not RFC 3339'],
  ])("refuses %s", (body, message) => {
    expect(() => parseFluxEvent(body)).toThrow(message);
  });
});
