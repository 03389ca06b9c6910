import { expect, test } from "bun:test";
import { Manager, secretNames } from "./manager.ts";
import type { Reconciler } from "./reconciler.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { KubeApiError } from "../kube/api-error.ts";
import { createLogger } from "../core/logger.ts";

test("secretNames finds every Secret a Flux object's spec refers to", () => {
  expect(
    secretNames({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "k" },
      spec: {
        decryption: { secretRef: { name: "sops" } },
        postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "vars" }, { kind: "Secret", name: "secret-vars" }] },
      },
    }),
  ).toEqual(["sops", "secret-vars"]);
  expect(
    secretNames({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: { name: "o" },
      spec: { secretRef: { name: "pull" }, certSecretRef: { name: "tls" }, verify: { secretRef: { name: "cosign" }, trustedRootSecretRef: { name: "root" } } },
    }),
  ).toEqual(["pull", "tls", "cosign", "root"]);
  expect(secretNames({ apiVersion: "v1", kind: "X", metadata: { name: "x" } })).toEqual([]);
});

/**
 * A client over an in-memory namespace whose watches all expire on cue (410 Gone), as after an etcd
 * compaction: lists answer the current objects, writes bump resourceVersions.
 */
function expiringClient(objects: Map<string, KubeObject[]>) {
  let rv = 100;
  let expire!: () => void;
  let expired = new Promise<void>((r) => (expire = r));
  const client = {
    async list(ref: { kind: string }) {
      return { items: structuredClone(objects.get(ref.kind) ?? []), resourceVersion: String(++rv) };
    },
    watch(_ref: unknown, o: { signal?: AbortSignal }) {
      const wait = expired;
      return {
        async *[Symbol.asyncIterator]() {
          await Promise.race([wait, new Promise((r) => o.signal?.addEventListener("abort", r, { once: true }))]);
          if (!o.signal?.aborted) throw new KubeApiError(410, "Expired", "too old resource version");
        },
      };
    },
    async patch(key: { kind: string; name: string }, body: { metadata: { finalizers: string[] } }) {
      const o = objects.get(key.kind)!.find((x) => x.metadata.name === key.name)!;
      o.metadata = { ...o.metadata, finalizers: body.metadata.finalizers, resourceVersion: String(++rv) };
      return structuredClone(o);
    },
    async apply(obj: KubeObject) {
      const o = objects.get(obj.kind)!.find((x) => x.metadata.name === obj.metadata.name)!;
      Object.assign(o, { status: obj.status });
      o.metadata.resourceVersion = String(++rv);
      return structuredClone(o);
    },
    async get() {
      return undefined;
    },
  } as unknown as KubeClient;
  return {
    client,
    expireAll() {
      expire();
      expired = new Promise<void>((r) => (expire = r));
    },
  };
}

test("after every watch expires, the relist reconciles only what changed meanwhile: a new generation, a deleted Secret's users", async () => {
  const ks = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: "t", generation: 1, resourceVersion: "1" },
    spec: { interval: "1h", path: "./", ...spec },
  });
  const secret = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "t", resourceVersion: "1" } });
  const objects = new Map<string, KubeObject[]>([
    ["Kustomization", [ks("a", { decryption: { provider: "sops", secretRef: { name: "s1" } } }), ks("b", { decryption: { provider: "sops", secretRef: { name: "s2" } } }), ks("c")]],
    ["Secret", [secret("s1"), secret("s2")]],
  ]);
  const { client, expireAll } = expiringClient(objects);
  const reconciled: string[] = [];
  const reconciler: Reconciler = {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    controllerName: "kustomize-controller",
    async reconcile(obj) {
      reconciled.push(obj.metadata.name!);
      return { reason: "ReconciliationSucceeded", message: "ok" };
    },
  };
  const m = new Manager([reconciler], { client, namespace: "t", log: createLogger(() => {}, { level: "error" }), events: { record: async () => {} } });
  const ac = new AbortController();
  const run = m.run(ac.signal);
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(what()).toBe(true);
  };
  await until(() => reconciled.length === 3);
  // Missed while the watches were down: c's spec changed, s2 was deleted, a and s1 stayed as they were.
  const c = objects.get("Kustomization")!.find((o) => o.metadata.name === "c")!;
  c.metadata = { ...c.metadata, generation: 2, resourceVersion: "500" };
  objects.set("Secret", objects.get("Secret")!.filter((s) => s.metadata.name !== "s2"));
  expireAll();
  await until(() => reconciled.length >= 5);
  await new Promise((r) => setTimeout(r, 200));
  ac.abort();
  await run;
  expect(reconciled.slice(3).sort()).toEqual(["b", "c"]);
});

test("a manager taking over its previous term's caches reconciles only what changed or was not settled; the settled wait for their interval", async () => {
  const ks = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, namespace: "t", generation: 1, resourceVersion: "1" },
    spec: { interval: "1h", path: "./", ...spec },
  });
  const objects = new Map<string, KubeObject[]>([["Kustomization", [ks("a"), ks("b", { path: "./fails" }), ks("c")]], ["Secret", []]]);
  const { client } = expiringClient(objects);
  const reconciled: string[] = [];
  const reconciler: Reconciler = {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    controllerName: "kustomize-controller",
    async reconcile(obj) {
      reconciled.push(obj.metadata.name!);
      if (obj.spec?.path === "./fails") throw new Error("connection reset");
      return { reason: "ReconciliationSucceeded", message: "ok" };
    },
  };
  const opts = { client, namespace: "t", log: createLogger(() => {}, { level: "error" }), events: { record: async () => {} } };
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(what()).toBe(true);
  };
  const first = new Manager([reconciler], opts);
  const term1 = new AbortController();
  const run1 = first.run(term1.signal);
  await until(() => reconciled.length === 3);
  term1.abort();
  await run1;
  // Between the terms c's spec changed; b had failed (Ready=False), a is settled.
  const c = objects.get("Kustomization")!.find((o) => o.metadata.name === "c")!;
  c.metadata = { ...c.metadata, generation: 2, resourceVersion: "900" };
  reconciled.length = 0;
  const second = new Manager([reconciler], opts, first);
  const term2 = new AbortController();
  const run2 = second.run(term2.signal);
  await until(() => reconciled.length >= 2);
  await new Promise((r) => setTimeout(r, 100));
  const due = second.controller("Kustomization")!.pending("a").dueInMs;
  term2.abort();
  await run2;
  expect(reconciled.sort()).toEqual(["b", "c"]);
  expect(due).toBeGreaterThan(50 * 60_000);
  // A cold start (no previous term) reconciles everything, as before.
  reconciled.length = 0;
  const third = new AbortController();
  const run3 = new Manager([reconciler], opts).run(third.signal);
  await until(() => reconciled.length >= 3);
  third.abort();
  await run3;
  expect(reconciled.sort()).toEqual(["a", "b", "c"]);
});
