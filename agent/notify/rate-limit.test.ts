import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { EventRateLimiter, eventKey, eventKeyText } from "./rate-limit.ts";
import type { FluxEvent } from "./flux-event.ts";

const event = (message: string, metadata: Record<string, string> = {}): FluxEvent => ({
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "a", namespace: "ns" },
  severity: "info",
  timestamp: "2026-12-06T08:00:00Z",
  message,
  reason: "r",
  metadata,
  reportingController: "kustomize-controller",
});

describe("the rate limiter (eventKeyFunc + go-limiter)", () => {
  test("the key text lists name, namespace, kind, message, then originRevision, revision and token of the object group", () => {
    const e = event("hello", { "kustomize.toolkit.fluxcd.io/token": "t", "kustomize.toolkit.fluxcd.io/revision": "r", "kustomize.toolkit.fluxcd.io/originRevision": "o", "event.toolkit.fluxcd.io/revision": "ignored" });
    expect(eventKeyText(e)).toBe("event/name=a/namespace=ns/kind=Kustomization/message=hello/originRevision=o/revision=r/token=t");
  });

  test("the key is the hex SHA-256 of the text", async () => {
    const e = event("hello");
    expect(await eventKey(e)).toBe(createHash("sha256").update(eventKeyText(e)).digest("hex"));
  });

  test("an identical event within the interval is dropped, after it goes through again", async () => {
    let t = 0;
    const l = new EventRateLimiter({ intervalMs: 1000, now: () => t });
    expect(await l.allow(event("a"))).toBe(true);
    expect(await l.allow(event("a"))).toBe(false);
    expect(await l.allow(event("a", { "kustomize.toolkit.fluxcd.io/revision": "r2" }))).toBe(true);
    t = 1000;
    expect(await l.allow(event("a"))).toBe(true);
  });

  test("1000 identical events let one through; the key store stays bounded", async () => {
    const l = new EventRateLimiter({ intervalMs: 60_000, maxKeys: 100 });
    let passed = 0;
    for (let i = 0; i < 1000; i++) if (await l.allow(event("same"))) passed++;
    expect(passed).toBe(1);
    for (let i = 0; i < 1000; i++) await l.allow(event(`m${i}`));
    expect(l.size).toBeLessThanOrEqual(100);
  });
});
