import { describe, expect, test } from "bun:test";
import { cleanupMetadata, combineMetadata, withoutInternalMetadata } from "./event-metadata.ts";
import type { FluxEvent } from "./flux-event.ts";

const event = (metadata: Record<string, string>): FluxEvent => ({
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "a", namespace: "ns" },
  severity: "info",
  timestamp: "2026-12-06T08:00:00Z",
  message: "m",
  reason: "r",
  metadata,
  reportingController: "kustomize-controller",
});

describe("event metadata (RFC 0008)", () => {
  test("a received event keeps only the event group's and the object group's keys, without checksum and digest", () => {
    const e = cleanupMetadata(event({ "kustomize.toolkit.fluxcd.io/revision": "r1", "kustomize.toolkit.fluxcd.io/checksum": "c", "kustomize.toolkit.fluxcd.io/Digest": "d", "event.toolkit.fluxcd.io/env": "prod", "source.toolkit.fluxcd.io/revision": "x", plain: "y" }));
    expect(e.metadata).toEqual({ "kustomize.toolkit.fluxcd.io/revision": "r1", "event.toolkit.fluxcd.io/env": "prod" });
  });

  test("the object group's token is internal", () => {
    expect(withoutInternalMetadata(event({ "kustomize.toolkit.fluxcd.io/token": "t", "kustomize.toolkit.fluxcd.io/revision": "r" })).metadata).toEqual({ "kustomize.toolkit.fluxcd.io/revision": "r" });
  });

  test("composition: annotations < eventMetadata < summary < controller metadata, conflicts reported by key", () => {
    const { event: e, conflicts } = combineMetadata(event({ "event.toolkit.fluxcd.io/summary": "from annotation", "event.toolkit.fluxcd.io/env": "prod", "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1", "kustomize.toolkit.fluxcd.io/env": "ctl" }), {
      eventMetadata: { cluster: "c1", env: "alert" },
      summary: "from summary",
    });
    expect(e.metadata).toEqual({ summary: "from summary", env: "ctl", cluster: "c1", revision: "main@sha1:1" });
    expect(conflicts).toEqual([
      { key: "env", sources: ["involved object annotations", "Alert object .spec.eventMetadata", "involved object controller metadata"] },
      { key: "summary", sources: ["involved object annotations", "Alert object .spec.summary"] },
    ]);
  });

  test("an event with nothing to compose keeps its metadata as it came (Go's len(metadata) > 0 check)", () => {
    expect(combineMetadata(event({ plain: "x" }), {}).event.metadata).toEqual({ plain: "x" });
  });
});
