/**
 * Provider deliveries against endpoints that misbehave (test/support/hostile-server.ts): a redirect to
 * another host must not carry the Provider's token in any header (fetch itself only drops
 * Authorization), an endless answer is read no further than its cap, a dripping one ends at the
 * delivery deadline, and an untrusted certificate is named as such.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import type { FluxEvent } from "../flux-event.ts";
import { DEFAULTS, httpPort, type ProviderSettings } from "../notifier.ts";
import { NOTIFIERS } from "../provider-types.ts";
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

const event: FluxEvent = {
  involvedObject: { kind: "GitRepository", namespace: "apps", name: "repo", uid: "u-1", apiVersion: "source.toolkit.fluxcd.io/v1" },
  severity: "info",
  timestamp: "2026-12-06T08:00:00Z",
  message: "stored artifact",
  reason: "NewArtifact",
  metadata: { revision: "main@sha1:0123456789abcdef0123456789abcdef01234567" },
  reportingController: "source-controller",
};

function post(s: Partial<ProviderSettings> & { type: string; address: string }, timeoutMs = 5000): Promise<void> {
  return NOTIFIERS[s.type]!(s).post(event, httpPort({ fetch, signal: AbortSignal.timeout(timeoutMs), retries: 0 }));
}

/** Header names that carry a secret in the cases below. */
const SECRET_HEADERS = ["authorization", "private-token", "dd-api-key", "x-api-key", "x-signature"];

describe("Provider deliveries against hostile endpoints", () => {
  const cases: Array<{ name: string; settings: (address: string) => Partial<ProviderSettings> & { type: string; address: string } }> = [
    { name: "generic with the Secret's headers", settings: (a) => ({ type: "generic", address: `${a}/hook`, headers: { "X-Api-Key": "k3y" } }) },
    { name: "generic-hmac's signature", settings: (a) => ({ type: "generic-hmac", address: `${a}/hook`, token: "s3cret" }) },
    { name: "alertmanager's bearer token", settings: (a) => ({ type: "alertmanager", address: `${a}/hook`, token: "t0ken" }) },
    { name: "datadog's DD-API-KEY", settings: (a) => ({ type: "datadog", address: a, token: "t0ken" }) },
  ];
  for (const c of cases) {
    test(`a redirect to another host does not carry ${c.name}`, async () => {
      const other = await start(new Hono().all("*", (c) => c.text("ok")));
      const s = await start(new Hono().all("*", (c) => c.redirect(`http://localhost:${other.port}${new URL(c.req.url).pathname}`, 307)));
      await post(c.settings(s.url));
      const sent = SECRET_HEADERS.filter((h) => s.requests[0]!.headers[h] !== undefined);
      expect(sent.length).toBeGreaterThan(0);
      expect(other.requests.length).toBe(1);
      expect(SECRET_HEADERS.filter((h) => other.requests[0]!.headers[h] !== undefined)).toEqual([]);
      // The body still arrives: a 307 repeats the POST.
      expect(other.requests[0]!.method).toBe("POST");
    });
  }

  test("gitlab's PRIVATE-TOKEN does not follow a redirect of its commit status calls to another host", async () => {
    const other = await start(new Hono().get("*", (c) => c.json([])).post("*", (c) => c.json({})));
    const s = await start(new Hono().all("*", (c) => c.redirect(`http://localhost:${other.port}${new URL(c.req.url).pathname}`, 307)));
    await post({ type: "gitlab", address: `${s.url}/group/project`, token: "t0ken", commitStatus: "kustomization/apps" });
    expect(s.requests.every((r) => r.headers["private-token"] === "t0ken")).toBe(true);
    expect(other.requests.length).toBeGreaterThan(0);
    expect(other.requests.map((r) => r.headers["private-token"])).toEqual(other.requests.map(() => undefined));
  });

  test("an answer that never ends is read no further than its cap", async () => {
    const body = endlessBody(new Uint8Array(64 * 1024).fill(120));
    const s = await start(new Hono().post("/hook", () => new Response(body.stream)));
    const err = await post({ type: "generic", address: `${s.url}/hook` }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`request failed: the answer (HTTP 200) is larger than ${DEFAULTS.maxAnswerBytes} bytes`);
    expect(body.sent()).toBeLessThan(DEFAULTS.maxAnswerBytes + 32 * 1024 * 1024);
  });

  test("an answer that drips one byte a second ends at the delivery deadline", async () => {
    const s = await start(new Hono().post("/hook", () => new Response(dripBody(new Uint8Array(100), 1000).stream)));
    const t0 = performance.now();
    const err = await post({ type: "generic", address: `${s.url}/hook` }, 1500).catch((e: Error) => e);
    expect((err as Error).message).toBe("failed to execute request: deadline exceeded");
    expect(performance.now() - t0).toBeLessThan(4000);
  });

  test("a self-signed certificate without a CA is refused and said to be untrusted", async () => {
    const tls = await startSelfSignedServer();
    servers.push(tls);
    const err = await post({ type: "generic", address: `${tls.url}/hook` }).catch((e: Error) => e);
    expect((err as Error).message).toStartWith(`giving up after 1 attempt(s): POST ${tls.url}/hook: the server's TLS certificate is not trusted (`);
    expect(tls.requests).toBe(0);
  });
});
