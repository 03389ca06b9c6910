/**
 * Drift detection against a real API server: the live cache's watches, the owned-field hashes and the
 * needs-apply decision, checked against what a server-side dry-run says. The drift table is the point:
 * every real edit of a field rivulet applied (value changed, field removed, list item changed, label
 * changed, object deleted, another manager forcing ownership) must be caught without a request, and every
 * harmless change (status, other managers' fields) must not cost one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { isConflict } from "../../agent/kube/api-error.ts";
import { LiveCache } from "../../agent/diff/live-cache.ts";
import { normalizeObject } from "../../agent/diff/canonical.ts";
import { changedPaths } from "../../agent/diff/changed-paths.ts";
import { canonicalQuantity } from "../../agent/diff/quantity.ts";
import { ignoreTrie } from "../../agent/diff/drift-ignore.ts";

const FM = "rivulet-diff-test";
let client: KubeClient;
let ns: string;
let cache: LiveCache;
const abort = new AbortController();
const KINDS = [
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "apps/v1", kind: "Deployment" },
];

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("diff");
  cache = new LiveCache({ fieldManager: FM });
  await cache.start(client, ns, KINDS, abort.signal);
});
afterAll(async () => {
  abort.abort();
  await deleteNamespace(ns);
});

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const key = (o: KubeObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, namespace: o.metadata.namespace });
const plural: Record<string, string> = { ConfigMap: "configmaps", Secret: "secrets", Service: "services", Deployment: "deployments" };
const pathOf = (o: KubeObject) => `${o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`}/namespaces/${ns}/${plural[o.kind]}/${o.metadata.name}`;

/** Applies as rivulet would (normalized, forced) and records the answer. */
async function applyAndRecord(desired: KubeObject): Promise<KubeObject> {
  const applied = await client.apply(normalizeObject(desired) as KubeObject, { fieldManager: FM, force: true });
  cache.record(applied, desired);
  return applied;
}

/**
 * Waits until the watch has delivered resourceVersion `rv` or a later one (the controller-manager keeps
 * writing Deployment status), or the deletion of the object.
 */
async function seen(o: KubeObject, rv: string | undefined): Promise<void> {
  await eventually(`the watch to deliver ${o.kind}/${o.metadata.name}@${rv ?? "deleted"}`, async () => {
    const have = cache.get(key(o));
    if (rv === undefined) return have === undefined ? true : undefined;
    return have && BigInt(have.resourceVersion) >= BigInt(rv) ? true : undefined;
  });
}

/** An Update by another field manager (what kubectl edit does): GET, change, PUT. */
async function edit(o: KubeObject, change: (live: KubeObject) => void, manager = "kubectl-edit"): Promise<string> {
  // The controller-manager writes Deployments too; like kubectl, retry on a resourceVersion conflict.
  for (let attempt = 0; ; attempt++) {
    const live = (await client.get(key(o)))!;
    change(live);
    try {
      const out = (await client.raw("PUT", `${pathOf(o)}?fieldManager=${manager}`, live)) as KubeObject;
      return out.metadata.resourceVersion!;
    } catch (err) {
      if (!isConflict(err) || attempt >= 10) throw err;
    }
  }
}

/** What a server-side dry-run of the desired object would change on the live one. */
async function dryRunChanges(desired: KubeObject): Promise<string[]> {
  // The controller-manager may write the object between our reads: retry until the dry-run ran against
  // an unchanged object.
  for (let attempt = 0; attempt < 10; attempt++) {
    const live = await client.get(key(desired));
    const dry = await client.apply(normalizeObject(desired) as KubeObject, { fieldManager: FM, force: true, dryRun: true });
    if (!live) return ["(created)"];
    const after = await client.get(key(desired));
    if (after?.metadata.resourceVersion === live.metadata.resourceVersion) return changedPaths(live, dry);
  }
  throw new Error(`Cannot get a stable dry-run of ${desired.kind}/${desired.metadata.name}: the object keeps changing`);
}

const cm = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, labels: { app: "web", tier: "front" } },
  data: { a: "1", b: "2" },
});
const deploy = (name: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: "a", image: "nginx:1", ports: [{ containerPort: 80 }], env: [{ name: "X", value: "1" }], resources: { limits: { cpu: "1000m", memory: "1024Mi" } } },
          { name: "b", image: "busybox:1" },
        ],
      },
    },
  },
});
const secret = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, stringData: { token: "s3cret" } });
const service = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: ns },
  spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
});

describe("live drift is caught without a request, as a dry-run confirms", () => {
  // [what, desired object, the edit]; the edit's manager is someone else, as in real life.
  const drifts: Array<[string, () => KubeObject, (o: KubeObject) => Promise<string | undefined>]> = [
    ["an edited ConfigMap value", () => cm("edit-value"), (o) => edit(o, (l) => ((l.data as Record<string, string>).a = "changed"))],
    ["a removed ConfigMap key", () => cm("remove-key"), (o) => edit(o, (l) => delete (l.data as Record<string, string>).b)],
    ["a changed label", () => cm("label"), (o) => edit(o, (l) => (l.metadata.labels!.tier = "back"))],
    ["a removed label", () => cm("label-rm"), (o) => edit(o, (l) => delete l.metadata.labels!.tier)],
    ["a changed container image", () => deploy("image"), (o) => edit(o, (l) => ((l.spec as any).template.spec.containers[0].image = "nginx:2"))],
    ["a changed env var in a list item", () => deploy("env"), (o) => edit(o, (l) => ((l.spec as any).template.spec.containers[0].env[0].value = "2"))],
    ["a removed container", () => deploy("container-rm"), (o) => edit(o, (l) => (l.spec as any).template.spec.containers.pop())],
    ["scaled replicas", () => deploy("scale"), (o) => edit(o, (l) => ((l.spec as any).replicas = 2))],
    ["a changed resource limit", () => deploy("limits"), (o) => edit(o, (l) => ((l.spec as any).template.spec.containers[0].resources.limits.cpu = "2"))],
    ["changed Secret data", () => secret("secret"), (o) => edit(o, (l) => ((l.data as Record<string, string>).token = btoa("other")))],
    ["a changed Service port", () => service("svc"), (o) => edit(o, (l) => ((l.spec as any).ports[0].targetPort = 9090))],
    [
      "another manager forcing a field by server-side apply",
      () => cm("forced"),
      async (o) => (await client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: o.metadata.name, namespace: ns }, data: { a: "theirs" } }, { fieldManager: "intruder", force: true })).metadata.resourceVersion,
    ],
    [
      "a deleted object",
      () => cm("deleted"),
      async (o) => {
        await client.delete(key(o));
        return undefined;
      },
    ],
  ];

  test.each(drifts)("%s", async (_what, make, drift) => {
    const desired = make();
    const applied = await applyAndRecord(desired);
    await seen(desired, applied.metadata.resourceVersion);
    expect(cache.decide(desired)).toBe("no");
    const rv = await drift(desired);
    await seen(desired, rv);
    expect(cache.decide(desired)).not.toBe("no");
    expect(cache.decide(desired)).toBe("live-drifted");
    // The dry-run agrees there is something to correct.
    expect((await dryRunChanges(desired)).length).toBeGreaterThan(0);
    // Correcting it makes the object clean again.
    const fixed = await applyAndRecord(desired);
    await seen(desired, fixed.metadata.resourceVersion);
    expect(cache.decide(desired)).toBe("no");
  });
});

describe("over-reporting is allowed, never under-reporting", () => {
  test("reordered containers cost one dry-run, which finds nothing; recording it makes the object clean", async () => {
    const desired = deploy("reorder");
    const applied = await applyAndRecord(desired);
    await seen(desired, applied.metadata.resourceVersion);
    await seen(desired, await edit(desired, (l) => (l.spec as any).template.spec.containers.reverse()));
    expect(cache.decide(desired)).toBe("live-drifted");
    // SSA does not restore the order of a keyed list: the dry-run reports no change.
    expect(await dryRunChanges(desired)).toEqual([]);
    cache.record((await client.get(key(desired)))!, desired);
    expect(cache.decide(desired)).toBe("no");
  });
});

describe("harmless changes cost no request", () => {
  const harmless: Array<[string, () => KubeObject, (o: KubeObject) => Promise<string>]> = [
    ["another manager adds a label", () => cm("other-label"), (o) => edit(o, (l) => (l.metadata.labels!.extra = "1"))],
    ["another manager adds an annotation", () => deploy("other-annotation"), (o) => edit(o, (l) => (l.metadata.annotations = { ...l.metadata.annotations, note: "x" }))],
    [
      "a status update",
      () => deploy("status"),
      async (o) =>
        (await client.apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: o.metadata.name, namespace: ns }, status: { observedGeneration: 1, collisionCount: 3 } }, { fieldManager: "controller", subresource: "status", force: true })).metadata.resourceVersion!,
    ],
  ];

  test.each(harmless)("%s", async (_what, make, change) => {
    const desired = make();
    const applied = await applyAndRecord(desired);
    await seen(desired, applied.metadata.resourceVersion);
    const rv = await change(desired);
    await seen(desired, rv);
    expect(cache.get(key(desired))!.resourceVersion).not.toBe(applied.metadata.resourceVersion);
    expect(cache.decide(desired)).toBe("no");
    expect(await dryRunChanges(desired)).toEqual([]);
  });

  test("an edit of an ignored field is not drift", async () => {
    const desired = deploy("ignored");
    const ignore = ignoreTrie([{ paths: ["/spec/replicas"], target: { kind: "Deployment" } }], desired);
    const applied = await client.apply(normalizeObject(desired) as KubeObject, { fieldManager: FM, force: true });
    cache.record(applied, desired, ignore);
    await seen(desired, applied.metadata.resourceVersion);
    await seen(desired, await edit(desired, (l) => ((l.spec as any).replicas = 3)));
    expect(cache.decide(desired, ignore)).toBe("no");
    // Without the rule the edit would be drift, but the hashes cannot show it: the record is void.
    expect(cache.decide(desired)).toBe("unknown");
    expect((await dryRunChanges(desired)).length).toBeGreaterThan(0);
  });
});

describe("cold start (no records)", () => {
  test("objects applied before a restart need no request; changed ones need a dry-run", async () => {
    const objs = [cm("cold-cm"), deploy("cold-deploy"), secret("cold-secret"), service("cold-svc")];
    for (const o of objs) await client.apply(normalizeObject(o) as KubeObject, { fieldManager: FM, force: true });
    const fresh = new LiveCache({ fieldManager: FM });
    const ac = new AbortController();
    try {
      await fresh.start(client, ns, KINDS, ac.signal);
      const changed = clone(objs[1]!);
      (changed.spec as any).template.spec.containers[1].image = "busybox:2";
      // Without a record a changed desired object is indistinguishable from drift: a dry-run decides.
      expect(fresh.decide(changed)).toBe("unknown");
      for (const o of objs) expect([o.kind, fresh.decide(o)]).toEqual([o.kind, "no"]);
      // The match seeded a record, so now the change is known for what it is.
      expect(fresh.decide(changed)).toBe("desired-changed");
      expect(fresh.bytesPerObject()).toBeGreaterThan(0);
    } finally {
      ac.abort();
    }
  });

  test("quantities canonicalize exactly as the API server stores them", async () => {
    const qs = ["1000m", "1024Mi", "0.5", "1.5Gi", "1000", "1500", "1e3", "1.5e3", "0Gi", "1.5Ki", "0.0000000001", "0.1Gi", "2e-1", "100m", "12Gi", "1n", "512Ki", "2", "1.0001"];
    const d = deploy("quantities");
    (d.spec as any).template.spec.containers = qs.map((q, i) => ({ name: `c${i}`, image: "x", resources: { limits: { cpu: q, memory: q } } }));
    const live = await client.apply(normalizeObject(d) as KubeObject, { fieldManager: FM, force: true });
    const got = (live.spec as any).template.spec.containers.map((c: any) => [c.resources.limits.cpu, c.resources.limits.memory]);
    expect(got).toEqual(qs.map((q) => [canonicalQuantity(q, true), canonicalQuantity(q, true)]));
  });
});
