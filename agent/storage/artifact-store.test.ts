import { expect, test } from "bun:test";
import { ArtifactStore, isSafePath, type StoreFs } from "./artifact-store.ts";

/** An in-memory StoreFs: the store's logic is what is under test here. */
function memFs() {
  const files = new Map<string, { data: Uint8Array; mtimeMs: number }>();
  let clock = 0;
  const fs: StoreFs = {
    async writeAtomic(path, data) {
      files.set(path, { data, mtimeMs: ++clock });
    },
    async read(path) {
      return files.get(path)?.data;
    },
    async list(dir) {
      return [...files].filter(([p]) => p.startsWith(dir + "/") && !p.slice(dir.length + 1).includes("/")).map(([p, f]) => ({ name: p.slice(dir.length + 1), mtimeMs: f.mtimeMs }));
    },
    async remove(path) {
      files.delete(path);
    },
    async removeDir(path) {
      for (const p of [...files.keys()]) if (p.startsWith(path + "/")) files.delete(p);
    },
  };
  return { fs, files };
}

const id = { kind: "GitRepository", namespace: "apps", name: "podinfo" };
const bytes = (s: string) => new TextEncoder().encode(s);

test("put writes Flux's layout and returns a complete status.artifact", async () => {
  const { fs, files } = memFs();
  const store = new ArtifactStore(fs, { baseUrl: "http://rivulet.apps.svc/", now: () => new Date("2026-01-01T10:00:00.123Z") });
  const a = await store.put(id, "abc123.tar.gz", bytes("data"), { revision: "main@sha1:abc123", digest: "sha256:ff" });
  expect(a).toEqual({
    path: "gitrepository/apps/podinfo/abc123.tar.gz",
    url: "http://rivulet.apps.svc/gitrepository/apps/podinfo/abc123.tar.gz",
    revision: "main@sha1:abc123",
    digest: "sha256:ff",
    size: 4,
    lastUpdateTime: "2026-01-01T10:00:00Z",
  });
  expect([...files.keys()]).toEqual(["gitrepository/apps/podinfo/abc123.tar.gz"]);
  expect(new TextDecoder().decode(await store.get(a.path))).toBe("data");
});

test("gc keeps the newest two files per object, always including the current one", async () => {
  const { fs, files } = memFs();
  const store = new ArtifactStore(fs, { baseUrl: "http://x" });
  for (const n of ["a", "b", "c", "d"]) await store.put(id, `${n}.tar.gz`, bytes(n), { revision: n, digest: n });
  await store.put({ ...id, name: "other" }, "z.tar.gz", bytes("z"), { revision: "z", digest: "z" });
  expect(await store.gc(id, "d.tar.gz")).toEqual(["b.tar.gz", "a.tar.gz"]);
  expect([...files.keys()].sort()).toEqual(["gitrepository/apps/other/z.tar.gz", "gitrepository/apps/podinfo/c.tar.gz", "gitrepository/apps/podinfo/d.tar.gz"]);
  // The current artifact is kept even when newer files exist (e.g. a rollback to an older revision).
  await store.put(id, "e.tar.gz", bytes("e"), { revision: "e", digest: "e" });
  expect(await store.gc(id, "c.tar.gz")).toEqual(["d.tar.gz"]);
});

test("gc leaves an alias alone and does not count it", async () => {
  const { fs, files } = memFs();
  const store = new ArtifactStore(fs, { baseUrl: "http://x" });
  const helm = { kind: "HelmRepository", namespace: "apps", name: "podinfo" };
  for (const n of ["a", "b"]) await store.put(helm, `index-${n}.yaml`, bytes(n), { revision: n, digest: n });
  await store.put(helm, "index.yaml", bytes("b"), { revision: "b", digest: "b" });
  await store.put(helm, "index-c.yaml", bytes("c"), { revision: "c", digest: "c" });
  expect(await store.gc(helm, "index-c.yaml", "index.yaml")).toEqual(["index-a.yaml"]);
  expect([...files.keys()].sort()).toEqual(["helmrepository/apps/podinfo/index-b.yaml", "helmrepository/apps/podinfo/index-c.yaml", "helmrepository/apps/podinfo/index.yaml"]);
});

test.each([
  ["a kind with a slash", { kind: "Git/Repository", namespace: "a", name: "b" }, "x.tar.gz"],
  ["a namespace with ..", { kind: "GitRepository", namespace: "..", name: "b" }, "x.tar.gz"],
  ["a file with ..", { kind: "GitRepository", namespace: "a", name: "b" }, "..tar.gz"],
  ["a file with a slash", { kind: "GitRepository", namespace: "a", name: "b" }, "x/y.tar.gz"],
] as const)("refuses %s", (_what, bad, file) => {
  const store = new ArtifactStore(memFs().fs, { baseUrl: "http://x" });
  expect(() => store.pathOf(bad, file)).toThrow(/^Cannot store an artifact: /);
});

test.each([
  ["gitrepository/apps/podinfo/abc.tar.gz", true],
  ["gitrepository/apps/podinfo/sha256:abc.tar.gz", true],
  ["../etc/passwd", false],
  ["gitrepository/apps/../x.tar.gz", false],
  ["gitrepository/apps/podinfo/..", false],
  ["gitrepository/apps/podinfo", false],
] as const)("isSafePath(%p) is %p", (path, ok) => {
  expect(isSafePath(path)).toBe(ok);
});

test("removeAll drops only that object's files", async () => {
  const { fs, files } = memFs();
  const store = new ArtifactStore(fs, { baseUrl: "http://x" });
  await store.put(id, "a.tar.gz", bytes("a"), { revision: "a", digest: "a" });
  await store.put({ ...id, name: "podinfo2" }, "b.tar.gz", bytes("b"), { revision: "b", digest: "b" });
  await store.removeAll(id);
  expect([...files.keys()]).toEqual(["gitrepository/apps/podinfo2/b.tar.gz"]);
});
