// The ImagePolicy reconciler over tags an ImageRepository scanned from Debian's docker-registry (htpasswd
// auth): the latest ref, digest reflection, and Flux's reasons, messages and events.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ImagePolicySpec, ImagePolicyStatus } from "../api/image-policy.ts";
import type { ImageRepositoryStatus } from "../api/image-repository.ts";
import { imagePolicyReconciler } from "./image-policy.ts";
import { imageRepositoryReconciler } from "./image-repository.ts";
import { context, errorOf, memStore, startImageFixture, type ImageFixture } from "../../test/support/image-fixture.ts";

let fx: ImageFixture;
beforeAll(async () => void (fx = await startImageFixture()), 60_000);
afterAll(async () => fx?.reg.stop());

describe("ImagePolicy reconciler", () => {
  async function scanned() {
    const { store } = memStore();
    const { ctx } = context<ImageRepositoryStatus>([], { pull: fx.pullSecret() });
    await imageRepositoryReconciler(fx.deps(store)).reconcile(fx.repo(), ctx);
    return store;
  }

  test("chooses the latest tag from the stored scan and says so as Flux", async () => {
    const store = await scanned();
    const { ctx, events } = context<ImagePolicyStatus>([fx.repo()], { pull: fx.pullSecret() });
    const result = await imagePolicyReconciler(fx.deps(store)).reconcile(fx.policy({}), ctx);
    const name = `${fx.reg.host}/apps/web`;
    expect(result).toEqual({
      reason: "Succeeded",
      message: `Latest image tag for ${name} resolved to 1.10.0`,
      status: { latestRef: { name, tag: "1.10.0" }, observedPreviousRef: undefined },
    });
    expect(events).toEqual([{ type: "Normal", reason: "Succeeded", message: result.message }]);
  });

  test("a new latest image keeps the previous one and names it in the message", async () => {
    const store = await scanned();
    const name = `${fx.reg.host}/apps/web`;
    const { ctx } = context<ImagePolicyStatus>([fx.repo()], { pull: fx.pullSecret() });
    const result = await imagePolicyReconciler(fx.deps(store)).reconcile(
      fx.policy({ policy: { semver: { range: ">=1.0.0-0" } } }, { latestRef: { name, tag: "1.10.0" } }),
      ctx,
    );
    expect(result.status).toEqual({ latestRef: { name, tag: "2.0.0-rc.1" }, observedPreviousRef: { name, tag: "1.10.0" } });
    expect(result.message).toBe(`Latest image tag for ${name} resolved to 2.0.0-rc.1 (previously ${name}:1.10.0)`);
  });

  test("digestReflectionPolicy Always reads the digest from the registry", async () => {
    const store = await scanned();
    const { ctx } = context<ImagePolicyStatus>([fx.repo()], { pull: fx.pullSecret() });
    const result = await imagePolicyReconciler(fx.deps(store)).reconcile(fx.policy({ digestReflectionPolicy: "Always", interval: "1h" }), ctx);
    expect(result.status?.latestRef).toEqual({ name: `${fx.reg.host}/apps/web`, tag: "1.10.0", digest: fx.digests["1.10.0"] });
    expect(result.message).toBe(`Latest image tag for ${fx.reg.host}/apps/web resolved to 1.10.0 with digest ${fx.digests["1.10.0"]}`);
  });

  test("digestReflectionPolicy IfNotPresent keeps a known digest without asking the registry", async () => {
    const store = await scanned();
    const name = `${fx.reg.host}/apps/web`;
    const { ctx, reads } = context<ImagePolicyStatus>([fx.repo()]);
    const kept = { name, tag: "1.10.0", digest: "sha256:" + "0".repeat(64) };
    const result = await imagePolicyReconciler(fx.deps(store)).reconcile(fx.policy({ digestReflectionPolicy: "IfNotPresent" }, { latestRef: kept }), ctx);
    expect(result.status?.latestRef).toEqual(kept);
    expect(reads.filter((r) => r.startsWith("Secret/"))).toEqual([]);
  });

  test.each([
    [{ imageRepositoryRef: { name: "web", namespace: "other" } }, "AccessDenied", "terminal", "failed to get the referred ImageRepository: cannot access 'ImageRepository/other/web', cross-namespace references have been blocked"],
    [{ imageRepositoryRef: { name: "gone" } }, "DependencyNotReady", "not-ready", 'failed to get the referred ImageRepository: referenced ImageRepository does not exist: imagerepositories.image.toolkit.fluxcd.io "gone" not found'],
    [{ policy: { numerical: {} } }, "Failure", "transient", "failed to parse invalid numeric value 'latest'"],
    [{ policy: { semver: { range: "x1" } } }, "InvalidPolicy", "terminal", "invalid policy: constraint parser error"],
    [{ filterTags: { pattern: "(" }, policy: { alphabetical: {} } }, "InvalidPolicy", "terminal", "failed to filter tags: invalid regular expression pattern '(': error parsing regexp: missing closing ): `(`"],
    [{ policy: { semver: { range: ">=9.0.0" } } }, "Failure", "transient", "unable to determine latest version from provided list"],
  ])("%j fails with %s", async (spec, reason, kind, message) => {
    const store = await scanned();
    const { ctx, reads } = context<ImagePolicyStatus>([fx.repo()]);
    const err = await errorOf(imagePolicyReconciler(fx.deps(store)).reconcile(fx.policy(spec as Partial<ImagePolicySpec>), ctx));
    expect({ reason: err.reason, kind: err.kind as string, message: err.message }).toEqual({ reason, kind, message });
    // Refused before anything in another namespace is read.
    expect(reads.filter((r) => r.includes("/other/"))).toEqual([]);
  });

  test("before the first scan the policy waits for tags, as Flux's DependencyNotReady", async () => {
    const { store } = memStore();
    const { ctx } = context<ImagePolicyStatus>([fx.repo()]);
    const err = await errorOf(imagePolicyReconciler(fx.deps(store)).reconcile(fx.policy({}), ctx));
    expect({ reason: err.reason, kind: err.kind, message: err.message }).toEqual({ reason: "DependencyNotReady", kind: "not-ready", message: "retrying in 30s error: no tags in database" });
  });
});
