/**
 * Chart repository downloads (index.yaml, chart archives) against servers that misbehave
 * (test/support/hostile-server.ts): each ends within the timeout in Flux's "failed to fetch <url> : <why>"
 * words, holding no more than the index or chart cap, and the repository's credentials never reach
 * another host, by redirect or by a chart URL.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { fetchHelmIndex } from "./fetch-helm-index.ts";
import { fetchChart } from "./fetch-chart.ts";
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
const auth = { username: "u", password: "s3cret" };

async function failure(p: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const t0 = performance.now();
  const err = await p.then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(Error);
  return { err: err as Error, ms: performance.now() - t0 };
}

describe("Helm repository downloads against hostile servers", () => {
  test("an index that never ends is cut at the index cap", async () => {
    const body = endlessBody(new TextEncoder().encode("  - name: x\n".repeat(4096)), new TextEncoder().encode("apiVersion: v1\nentries:\n  x:\n"));
    const app = new Hono();
    app.get("/index.yaml", () => new Response(body.stream));
    const s = await start(app);
    const { err } = await failure(fetchHelmIndex({ url: s.url, fetch, maxBytes: 1024 * 1024 }));
    expect(err.message).toBe("index exceeds the maximum index file size of 1048576 bytes");
    expect(body.sent()).toBeLessThan(1024 * 1024 + 32 * 1024 * 1024);
  });

  test("an index that drips one byte a second ends at the timeout", async () => {
    const app = new Hono();
    app.get("/index.yaml", () => new Response(dripBody(new TextEncoder().encode("apiVersion: v1\nentries: {}\n"), 1000).stream));
    const s = await start(app);
    const { err, ms } = await failure(fetchHelmIndex({ url: s.url, fetch, timeoutMs: 1500 }));
    expect(err.message).toBe(`failed to fetch ${s.url}/index.yaml : timeout of 1.5s exceeded`);
    expect(ms).toBeLessThan(4000);
  });

  test("credentials do not follow a redirect of the index to another host", async () => {
    const other = await start(new Hono().get("/index.yaml", (c) => c.text("apiVersion: v1\nentries: {}\n")));
    const app = new Hono();
    app.get("/index.yaml", (c) => c.redirect(`http://localhost:${other.port}/index.yaml`, 302));
    const s = await start(app);
    const got = await fetchHelmIndex({ url: s.url, fetch, auth });
    expect(new TextDecoder().decode(got.bytes)).toBe("apiVersion: v1\nentries: {}\n");
    expect(s.requests[0]!.headers.authorization).toBe(`Basic ${btoa("u:s3cret")}`);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  test("credentials go neither to a chart URL on another host nor through a chart's redirect", async () => {
    const other = await start(new Hono().get("/c-1.0.0.tgz", (c) => c.body("chart")));
    const app = new Hono();
    app.get("/charts/c-1.0.0.tgz", (c) => c.redirect(`http://localhost:${other.port}/c-1.0.0.tgz`, 302));
    const s = await start(app);
    await fetchChart({ repositoryUrl: s.url, chartUrl: `${s.url}/charts/c-1.0.0.tgz`, fetch, auth });
    await fetchChart({ repositoryUrl: s.url, chartUrl: `http://localhost:${other.port}/c-1.0.0.tgz`, fetch, auth });
    expect(s.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${btoa("u:s3cret")}`]);
    expect(other.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });

  test("a chart that never ends is cut at the chart cap", async () => {
    const body = endlessBody(new Uint8Array(64 * 1024));
    const s = await start(new Hono().get("/c.tgz", () => new Response(body.stream)));
    const { err } = await failure(fetchChart({ repositoryUrl: s.url, chartUrl: `${s.url}/c.tgz`, fetch }));
    expect(err.message).toBe(`chart exceeds the maximum chart size of ${10 * 1024 * 1024} bytes`);
    expect(body.sent()).toBeLessThan(10 * 1024 * 1024 + 32 * 1024 * 1024);
  });

  test("a self-signed certificate without a CA is refused and said to be untrusted", async () => {
    const tls = await startSelfSignedServer();
    servers.push(tls);
    const { err } = await failure(fetchHelmIndex({ url: tls.url, fetch }));
    expect(err.message).toStartWith(`failed to fetch ${tls.url}/index.yaml : the server's TLS certificate is not trusted (`);
    expect(tls.requests).toBe(0);
  });
});
