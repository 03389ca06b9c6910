import { expect, test } from "bun:test";
import { createArtifactApp } from "./artifact-app.ts";
import { ArtifactStore } from "../storage/artifact-store.ts";

function memoryStore(): ArtifactStore {
  const files = new Map<string, Uint8Array>();
  return new ArtifactStore(
    {
      writeAtomic: async (p, d) => void files.set(p, d),
      read: async (p) => files.get(p),
      list: async () => [],
      remove: async () => {},
      removeDir: async () => {},
    },
    { baseUrl: "http://x" },
  );
}

test("stored artifacts are served at their status.artifact.url path, and nothing outside the store", async () => {
  const store = memoryStore();
  const a = await store.put({ kind: "GitRepository", namespace: "a", name: "b" }, "c.tar.gz", new Uint8Array([1, 2, 3]), { revision: "r", digest: "d" });
  const app = createArtifactApp(store);
  const ok = await app.request(`/${a.path}`);
  expect(ok.status).toBe(200);
  expect(ok.headers.get("content-length")).toBe("3");
  expect(new Uint8Array(await ok.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  expect(a.url).toBe(`http://x/${a.path}`);
  expect((await app.request("/gitrepository/a/b/missing.tar.gz")).status).toBe(404);
  expect((await app.request("/gitrepository/a/b/..%2F..%2Fetc")).status).toBe(404);
});

test("the artifact app serves neither probes nor metrics nor webhooks", async () => {
  const app = createArtifactApp(memoryStore());
  for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await app.request(path)).status).toBe(404);
  expect((await app.request("/hook/abc", { method: "POST" })).status).toBe(404);
});
