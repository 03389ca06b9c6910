/**
 * The registry client (OCIRepository, HelmChart from OCI, ImageRepository scans) against registries that
 * answer the distribution API and then misbehave (test/support/hostile-server.ts): each ends within its
 * deadline with a message naming what it read, holding no more than its cap, and sends credentials to
 * the registry's own origin only.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { DEFAULTS, RegistryClient, RegistryError } from "./registry-client.ts";
import { scanTags } from "../../image/scan.ts";
import { dripBody, endlessBody, startHostileServer, startSelfSignedServer, type HostileServer } from "../../../test/support/hostile-server.ts";

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function start(app: Hono): Promise<HostileServer> {
  const s = await startHostileServer(app);
  servers.push(s);
  return s;
}
const client = (s: { host: string }, o: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
  new RegistryClient({ host: s.host, repository: "r", fetch, insecure: true, signal: AbortSignal.timeout(10_000), ...o });
const MANIFEST_TYPE = { "content-type": "application/vnd.oci.image.manifest.v1+json" };

async function failure(p: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const t0 = performance.now();
  const err = await p.then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(Error);
  return { err: err as Error, ms: performance.now() - t0 };
}

describe("the registry client against hostile registries", () => {
  test("a 1 GB manifest is streamed and refused at the manifest cap, never held", async () => {
    const body = endlessBody(new Uint8Array(64 * 1024).fill(32), new TextEncoder().encode('{"schemaVersion":2,"x":"'));
    const app = new Hono();
    // Chunked, so only the streaming check can stop it.
    app.get("/v2/r/manifests/:ref", () => new Response(body.stream, { headers: MANIFEST_TYPE }));
    const s = await start(app);
    const { err } = await failure(client(s).getManifest("latest"));
    expect(err.message).toBe(`Cannot read the manifest ${s.host}/r:latest: it is larger than ${DEFAULTS.maxManifestSize} bytes`);
    expect(body.sent()).toBeLessThan(DEFAULTS.maxManifestSize + 32 * 1024 * 1024);
  });

  test("a manifest declaring 1 GB is refused from its Content-Length", async () => {
    const body = endlessBody(new Uint8Array(64 * 1024));
    const app = new Hono();
    app.get("/v2/r/manifests/:ref", () => new Response(body.stream, { headers: { ...MANIFEST_TYPE, "content-length": String(1024 ** 3) } }));
    const s = await start(app);
    const { err } = await failure(client(s).getManifest("latest"));
    expect(err.message).toBe(`Cannot read the manifest ${s.host}/r:latest: it is larger than ${DEFAULTS.maxManifestSize} bytes`);
  });

  test("an endless tag list (every page links to another) stops at the page cap", async () => {
    const app = new Hono();
    let page = 0;
    app.get("/v2/r/tags/list", (c) => {
      page++;
      const tags = Array.from({ length: 10 }, (_, i) => `v${page}.${i}`);
      return c.json({ name: "r", tags }, 200, { link: `</v2/r/tags/list?n=1000&last=v${page}>; rel="next"` });
    });
    const s = await start(app);
    const { err } = await failure(scanTags(client(s), []));
    expect(err.message).toBe(`Cannot list the tags of ${s.host}/r: more than ${DEFAULTS.maxTagPages} pages`);
    expect(page).toBe(DEFAULTS.maxTagPages);
  });

  test("a tag page that never ends is cut at the size cap", async () => {
    const body = endlessBody(new TextEncoder().encode('"t",'.repeat(16_384)), new TextEncoder().encode('{"name":"r","tags":['));
    const app = new Hono();
    app.get("/v2/r/tags/list", () => new Response(body.stream, { headers: { "content-type": "application/json" } }));
    const s = await start(app);
    const { err } = await failure(scanTags(client(s), []));
    expect(err.message).toBe(`Cannot read the tag list of ${s.host}/r: it is larger than ${DEFAULTS.maxManifestSize} bytes`);
  });

  test("a manifest that drips one byte a second ends at the client's deadline", async () => {
    const app = new Hono();
    app.get("/v2/r/manifests/:ref", () => new Response(dripBody(new TextEncoder().encode('{"schemaVersion":2}'), 1000).stream, { headers: MANIFEST_TYPE }));
    const s = await start(app);
    const { err, ms } = await failure(client(s, { signal: AbortSignal.timeout(1500) }).getManifest("latest"));
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toBe(`Cannot read the manifest ${s.host}/r:latest: timed out`);
    expect(ms).toBeLessThan(4000);
  });

  test("credentials do not follow a redirect to another host", async () => {
    const other = await start(new Hono());
    const app = new Hono();
    app.get("/v2/r/manifests/:ref", (c) => {
      if (!c.req.header("authorization")) return c.body(null, 401, { "www-authenticate": 'Basic realm="r"' });
      return c.redirect(`http://localhost:${other.port}/v2/r/manifests/latest`, 307);
    });
    const s = await start(app);
    const manifest = await client(s, { credentials: { username: "u", password: "s3cret" } }).getManifest("latest");
    expect(manifest).toBeUndefined(); // the other host answers 404
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([undefined, `Basic ${btoa("u:s3cret")}`]);
    expect(other.requests.length).toBe(1);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  test("a self-signed certificate without a CA is refused and said to be untrusted", async () => {
    const tls = await startSelfSignedServer();
    servers.push(tls);
    const { err } = await failure(client(tls, { insecure: false }).getManifest("latest"));
    expect(err.message).toStartWith(`Cannot reach the registry ${tls.host}: the server's TLS certificate is not trusted (`);
    expect(tls.requests).toBe(0);
  });
});
