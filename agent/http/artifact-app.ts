/**
 * The artifact server: `/<kind>/<namespace>/<name>/<file>`, the stored artifacts at the paths written to
 * status.artifact.url, so Flux's own consumers can fetch what rivulet produced. It has a listener of its
 * own (`--storage-addr`, loopback by default) because artifacts are a tenant's sources: the agent reads
 * them in-process, and only tools in the same namespace need them over HTTP, while probes and metrics
 * (app.ts) must stay reachable by the kubelet and Prometheus.
 */
import { Hono } from "hono";

export interface ArtifactReader {
  /** Reads a stored artifact by its relative path (ArtifactStore.get). */
  get(path: string): Promise<Uint8Array | undefined>;
}

export function createArtifactApp(store: ArtifactReader): Hono {
  const app = new Hono();
  app.get("/:kind/:namespace/:name/:file", async (c) => {
    const { kind, namespace, name, file } = c.req.param();
    const data = await store.get(`${kind}/${namespace}/${name}/${file}`);
    if (!data) return c.text("artifact not found\n", 404);
    return c.body(data as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/gzip", "Content-Length": String(data.byteLength) });
  });
  return app;
}
