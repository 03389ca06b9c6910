// The ImageRepository reconciler against Debian's docker-registry (htpasswd auth), with the artifact
// store in memory: scan, tag file, Flux's scan result, reasons, messages and events.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ImageRepositoryStatus } from "../api/image-repository.ts";
import { imageRepositoryReconciler, TAGS_FILE } from "./image-repository.ts";
import { context, errorOf, memStore, sha256Lines, startImageFixture, type ImageFixture } from "../../test/support/image-fixture.ts";

let fx: ImageFixture;
beforeAll(async () => void (fx = await startImageFixture()), 60_000);
afterAll(async () => fx?.reg.stop());

describe("ImageRepository reconciler", () => {
  test("scans the registry, keeps the tag file in the store and reports Flux's scan result", async () => {
    const { store, files } = memStore();
    const { ctx, events } = context<ImageRepositoryStatus>([], { pull: fx.pullSecret() });
    const result = await imageRepositoryReconciler(fx.deps(store)).reconcile(fx.repo(), ctx);
    const kept = ["latest", "2.0.0-rc.1", "1.2.0", "1.10.0", "1.0.0"];
    const revision = sha256Lines(kept);
    expect(result).toEqual({
      reason: "Succeeded",
      message: `successful scan: found 5 tags with checksum ${revision}`,
      status: {
        lastScanResult: { tagCount: 5, latestTags: kept, revision, scanTime: "2026-12-06T03:00:00Z" },
        canonicalImageName: `${fx.reg.host}/apps/web`,
        observedExclusionList: ["^.*\\.sig$"],
      },
    });
    expect(new TextDecoder().decode(files.get(`imagerepository/apps/web/${TAGS_FILE}`))).toBe(kept.map((t) => `${t}\n`).join(""));
    expect(events).toEqual([{ type: "Normal", reason: "Succeeded", message: result.message }]);
  });

  test("no event when a scan finds the same tags again", async () => {
    const { store } = memStore();
    const { ctx, events } = context<ImageRepositoryStatus>([], { pull: fx.pullSecret() });
    const first = await imageRepositoryReconciler(fx.deps(store)).reconcile(fx.repo(), ctx);
    const again = { ...fx.repo(), status: { ...first.status, conditions: [{ type: "Ready", status: "True" as const, reason: "Succeeded", message: first.message, lastTransitionTime: "2026-12-06T02:00:00Z" }] } };
    events.length = 0;
    await imageRepositoryReconciler(fx.deps(store)).reconcile(again, ctx);
    expect(events).toEqual([]);
  });

  test.each([
    [{ image: `https://${"127.0.0.1:1"}/apps/web` }, "ImageURLInvalid", "terminal", "image 'https://127.0.0.1:1/apps/web' should not include URL scheme; remove 'https://'"],
    [{ image: "ghcr.io/org/app:v1" }, "ImageURLInvalid", "terminal", "image 'ghcr.io/org/app:v1' should not include a tag; remove ':v1'"],
    [{ provider: "aws" as const }, "AuthenticationFailed", "terminal", "ImageRepository/apps/web: provider 'aws' is not supported by rivulet: cloud registry auto-login needs the provider's workload identity; use a secretRef"],
    [{ secretRef: { name: "missing" } }, "AuthenticationFailed", "transient", "Secret/apps/missing referenced by ImageRepository/apps/web not found: create it or fix the reference"],
    [{ exclusionList: ["("] }, "ReadOperationFailed", "transient", "scan failed: failed to compile regex (: error parsing regexp: missing closing ): `(`"],
  ])("%j fails with %s", async (spec, reason, kind, message) => {
    const { store } = memStore();
    const { ctx } = context<ImageRepositoryStatus>([], { pull: fx.pullSecret() });
    const err = await errorOf(imageRepositoryReconciler(fx.deps(store)).reconcile(fx.repo(spec), ctx));
    expect({ reason: err.reason, kind: err.kind as string, message: err.message }).toEqual({ reason, kind, message });
  });

  test("wrong credentials fail the scan with a message that holds no password", async () => {
    const { store } = memStore();
    const bad = { ".dockerconfigjson": JSON.stringify({ auths: { [fx.reg.host]: { username: fx.reg.username, password: "not-the-pass" } } }) };
    const { ctx } = context<ImageRepositoryStatus>([], { pull: bad });
    const err = await errorOf(imageRepositoryReconciler(fx.deps(store)).reconcile(fx.repo(), ctx));
    expect(err.reason).toBe("ReadOperationFailed");
    expect(err.message).toBe(`scan failed: Cannot authenticate to ${fx.reg.host}: the registry refused the credentials`);
  });

  test("a finalized repository leaves no tag file behind", async () => {
    const { store, files } = memStore();
    const { ctx } = context<ImageRepositoryStatus>([], { pull: fx.pullSecret() });
    const r = imageRepositoryReconciler(fx.deps(store));
    await r.reconcile(fx.repo(), ctx);
    await r.finalize!(fx.repo(), ctx);
    expect([...files.keys()]).toEqual([]);
  });
});

