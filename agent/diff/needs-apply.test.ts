import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { KubeObject } from "../kube/types.ts";
import { ignoreTrie } from "./drift-ignore.ts";
import { LiveCache } from "./live-cache.ts";
import { needsApply, type CacheEntry, type Decision } from "./needs-apply.ts";
import { ObjectHasher } from "./object-hash.ts";
import { slimObject } from "./slim-object.ts";
import { webDeployment } from "./testdata/deployment-web.ts";

const live = JSON.parse(readFileSync(new URL("./testdata/deployment-live.json", import.meta.url), "utf8")) as KubeObject;
// What was applied to get `live` (the fixture), in the form a build emits it.
const desired = webDeployment({ name: "c", image: "nginx", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "1000m", memory: "1024Mi" } } });
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const hasher = await ObjectHasher.create();
const slim = (o: KubeObject) => slimObject(o, "rivulet", hasher);

describe("needsApply", () => {
  const rec = { desiredHash: "d1", uid: live.metadata.uid!, resourceVersion: live.metadata.resourceVersion!, liveHash: slim(live).ownedHash!, ignoreKey: "" };
  const base: CacheEntry = { synced: true, live: slim(live), record: rec, desiredHash: "d1", liveHash: rec.liveHash };
  const bumped = (edit: (o: KubeObject) => void) => {
    const o = clone(live);
    o.metadata.resourceVersion = String(Number(o.metadata.resourceVersion) + 5);
    edit(o);
    const s = slim(o);
    return { live: s, liveHash: s.ownedHash };
  };

  test.each<[string, Partial<CacheEntry>, Decision]>([
    ["nothing changed", {}, "no"],
    ["the kind has not listed yet", { synced: false }, "unknown"],
    ["the desired state changed", { desiredHash: "d2" }, "desired-changed"],
    ["the object was deleted", { live: undefined, liveHash: undefined }, "live-drifted"],
    ["a new object", { live: undefined, liveHash: undefined, record: undefined }, "desired-changed"],
    ["the object is being deleted", { live: { ...slim(live), deleting: true } }, "unknown"],
    ["the ignore rules changed since the record", { ignore: { end: false, children: new Map([["spec", { end: true, children: new Map() }]]) } }, "unknown"],
    ["the object was recreated", { live: { ...slim(live), uid: "other" } }, "live-drifted"],
    ["status changed (resourceVersion moved, owned fields did not)", bumped((o) => ((o.status as Record<string, unknown>).replicas = 3)), "no"],
    ["another manager added a label", bumped((o) => (o.metadata.labels!.extra = "1")), "no"],
    ["an owned field changed", bumped((o) => ((o.spec as { replicas: number }).replicas = 2)), "live-drifted"],
  ])("%s: %s", (_what, patch, want) => {
    expect(needsApply(desired, { ...base, ...patch })).toBe(want);
  });

  test("cold start: the desired object equal to the owned projection needs nothing", () => {
    expect(needsApply(desired, { synced: true, live: slim(live), desiredHash: "x" })).toBe("no");
  });

  test.each<[string, (o: KubeObject) => void]>([
    ["a changed image", (o) => ((o.spec as any).template.spec.containers[0].image = "nginx:2")],
    ["an added label", (o) => (o.metadata.labels!.tier = "web")],
    ["a removed field", (o) => delete (o.spec as any).replicas],
    ["an added container", (o) => (o.spec as any).template.spec.containers.push({ name: "d", image: "x" })],
    ["a field another manager owns", (o) => ((o.spec as any).template.spec.containers[0].imagePullPolicy = "Always")],
  ])("cold start: %s is unknown, never no", (_what, edit) => {
    const d = clone(desired);
    edit(d);
    expect(needsApply(d, { synced: true, live: slim(live), desiredHash: "x" })).toBe("unknown");
  });

  test("cold start with ignore rules compares without the ignored fields", () => {
    const d = clone(desired);
    (d.spec as any).replicas = 7;
    const ignore = ignoreTrie([{ paths: ["/spec/replicas"] }], d);
    expect(needsApply(d, { synced: true, live: slim(live), desiredHash: "x", ignore })).toBe("no");
  });
});

describe("LiveCache decisions", () => {
  test("an object recorded from an apply response stays unknown until its kind's watch has listed", async () => {
    // Without a watch nobody would see later edits, so a resourceVersion match proves nothing.
    const cache = new LiveCache({ fieldManager: "rivulet" });
    await cache.init();
    cache.record(live, desired);
    expect(cache.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "x" })?.resourceVersion).toBe(live.metadata.resourceVersion);
    expect(cache.decide(desired)).toBe("unknown");
  });

  test("the estimate of bytes per object is far below the object's JSON size", async () => {
    const cache = new LiveCache({ fieldManager: "rivulet" });
    await cache.init();
    cache.record(live, desired);
    const bytes = cache.bytesPerObject();
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(2 * JSON.stringify(live).length);
  });
});
