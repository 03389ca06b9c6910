/**
 * reconcileScopedStore against the store it wraps: every read answers as a fresh read of the inner store
 * would, after its own creates, updates, deletes and maxHistory pruning, while the inner store is listed
 * once per release name; a failed write makes the next read list again.
 */
import { expect, test } from "bun:test";
import type { Release } from "../helm/release-codec.ts";
import { reconcileScopedStore, revisionsToPrune, type ReleaseStore, type StoredRelease } from "./release-store.ts";

function rel(name: string, version: number, status: Release["info"]["status"]): StoredRelease {
  return { release: { name, namespace: "team", version, info: { status }, chart: { metadata: { name: "c" }, lock: null, templates: [], values: {}, schema: null, files: [] }, manifest: "" }, labels: {} };
}

/** The Secret store's behaviour in memory: sorted history, create fails when the revision exists. */
function memoryStore(initial: StoredRelease[]) {
  const data = new Map(initial.map((s) => [`${s.release.name}.${s.release.version}`, structuredClone(s)]));
  const calls = { history: 0, writes: 0 };
  let failNext = false;
  const history = async (name: string) => {
    calls.history++;
    return [...data.values()].filter((s) => s.release.name === name).map((s) => structuredClone(s)).sort((a, b) => a.release.version - b.release.version);
  };
  const store: ReleaseStore = {
    namespace: "team",
    history,
    get: async (name, v) => structuredClone(data.get(`${name}.${v}`)),
    last: async (name) => (await history(name)).at(-1),
    deployedAll: async (name) => (await history(name)).filter((s) => s.release.info.status === "deployed"),
    deployed: async (name) => (await store.deployedAll(name)).at(-1),
    async create(s, o = {}) {
      calls.writes++;
      if (failNext) throw ((failNext = false), new Error("boom"));
      if (o.maxHistory) {
        const h = await history(s.release.name);
        const dep = h.filter((x) => x.release.info.status === "deployed").at(-1);
        for (const v of revisionsToPrune(h.map((x) => x.release), dep?.release.version, o.maxHistory - 1)) data.delete(`${s.release.name}.${v}`);
      }
      const k = `${s.release.name}.${s.release.version}`;
      if (data.has(k)) throw new Error("release: already exists");
      data.set(k, structuredClone(s));
    },
    async update(s) {
      calls.writes++;
      if (failNext) throw ((failNext = false), new Error("boom"));
      data.set(`${s.release.name}.${s.release.version}`, structuredClone(s));
    },
    delete: async (name, v) => (calls.writes++, data.delete(`${name}.${v}`)),
  };
  return { store, calls, failNextWrite: () => (failNext = true) };
}

const view = async (s: ReleaseStore, name: string) => ({
  history: (await s.history(name)).map((x) => `${x.release.version} ${x.release.info.status}`),
  last: (await s.last(name))?.release.version,
  deployed: (await s.deployed(name))?.release.version,
  v2: (await s.get(name, 2))?.release.info.status,
});

test("reads after its own writes equal fresh reads of the inner store, with one list per name", async () => {
  const seed = [rel("web", 1, "superseded"), rel("web", 2, "superseded"), rel("web", 3, "deployed"), rel("db", 1, "deployed")];
  const inner = memoryStore(seed);
  const fresh = memoryStore(seed);
  const scoped = reconcileScopedStore(inner.store);
  expect(await view(scoped, "web")).toEqual(await view(fresh.store, "web"));
  for (const s of [scoped, fresh.store]) {
    await s.create(rel("web", 4, "pending-upgrade"), { maxHistory: 3 });
    const last = (await s.last("web"))!;
    last.release.info.status = "deployed";
    await s.update(last);
    const prev = (await s.get("web", 3))!;
    prev.release.info.status = "superseded";
    await s.update(prev);
  }
  expect(await view(scoped, "web")).toEqual(await view(fresh.store, "web"));
  expect(await view(scoped, "web")).toEqual({ history: ["2 superseded", "3 superseded", "4 deployed"], last: 4, deployed: 4, v2: "superseded" });
  expect(await view(reconcileScopedStore(inner.store), "web")).toEqual(await view(fresh.store, "web"));
  expect(inner.calls.history).toBe(2); // the scoped store's one list, and the check's own
  expect((await scoped.history("db")).length).toBe(1);
  expect(inner.calls.history).toBe(3);
});

test("a copy changed by the caller does not change what is kept", async () => {
  const inner = memoryStore([rel("web", 1, "deployed")]);
  const scoped = reconcileScopedStore(inner.store);
  (await scoped.last("web"))!.release.info.status = "failed";
  expect((await scoped.last("web"))?.release.info.status).toBe("deployed");
});

test("a failed write forgets the name: the next read lists again and sees what the server has", async () => {
  const inner = memoryStore([rel("web", 1, "deployed")]);
  const scoped = reconcileScopedStore(inner.store);
  await scoped.history("web");
  inner.failNextWrite();
  await expect(scoped.create(rel("web", 2, "pending-upgrade"))).rejects.toThrow("boom");
  expect((await scoped.history("web")).map((s) => s.release.version)).toEqual([1]);
  expect(inner.calls.history).toBe(2);
  await expect(scoped.create(rel("web", 1, "pending-upgrade"))).rejects.toThrow("release: already exists");
});

test("a read copies only the records it hands out, not the whole kept history", async () => {
  const copied: number[] = [];
  // Records whose labels are read through a getter: structuredClone reads it once per record it copies.
  const counted = (s: StoredRelease): StoredRelease => {
    const { labels, ...rest } = s;
    return Object.defineProperty(rest, "labels", { enumerable: true, get: () => (copied.push(s.release.version), labels) }) as StoredRelease;
  };
  const records = [rel("web", 1, "superseded"), rel("web", 2, "superseded"), rel("web", 3, "deployed"), rel("web", 4, "failed")];
  const inner = { namespace: "team", history: async () => records.map(counted) } as unknown as ReleaseStore;
  const scoped = reconcileScopedStore(inner);
  const reads: Array<[string, () => Promise<unknown>, number[]]> = [
    ["last", () => scoped.last("web"), [4]],
    ["get", () => scoped.get("web", 2), [2]],
    ["deployed", () => scoped.deployed("web"), [3]],
    ["deployedAll", () => scoped.deployedAll("web"), [3]],
    ["history", () => scoped.history("web"), [1, 2, 3, 4]],
  ];
  for (const [what, read, want] of reads) {
    copied.length = 0;
    await read();
    expect([what, copied]).toEqual([what, want]);
  }
});
