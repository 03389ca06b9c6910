/**
 * Sources whose servers turn hostile after a good fetch (issue 25 item 6), on the real control plane with
 * the agent composed as `rivulet run` composes it: a git server that starts dripping one byte a second,
 * and an S3 endpoint whose listing never ends. Each reconcile ends within the object's timeout with
 * Ready=False and a message saying what happened, and the last good artifact stays in status and is
 * still served at its URL, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { dripBody, startHostileServer, type HostileServer } from "../support/hostile-server.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { DEFAULTS as S3 } from "../../agent/source/bucket/s3-client.ts";

const API = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let storage: string;
let agent: InProcessAgent;
let git: GitServer;
const servers: HostileServer[] = [];

type Artifact = { url: string; revision: string; digest: string };
const get = async (kind: string, name: string) => (await client.get({ apiVersion: API, kind, namespace: ns, name })) as FluxObject | undefined;
const ready = (o: FluxObject | undefined) => o?.status?.conditions?.find((c) => c.type === "Ready");
const artifactOf = (o: FluxObject | undefined) => o?.status?.artifact as Artifact | undefined;

async function requestReconcile(kind: string, name: string): Promise<void> {
  await client.patch({ apiVersion: API, kind, namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");
}

/** The artifact at its URL hashes to the digest in status. */
async function expectServed(a: Artifact): Promise<void> {
  const res = await fetch(a.url);
  expect(res.status).toBe(200);
  expect(`sha256:${createHash("sha256").update(new Uint8Array(await res.arrayBuffer())).digest("hex")}`).toBe(a.digest);
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("hostile");
  storage = mkdtempSync(join(tmpdir(), "rivulet-store-"));
  git = await startGitServer();
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  for (const s of servers) await s.close();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("sources whose servers turn hostile", () => {
  test("a git server that starts dripping one byte a second: timed out within spec.timeout, last artifact kept and served", async () => {
    await git.createRepo("app", { "a.yaml": "a: 1\n" }, { branch: "main" });
    let hostile = false;
    // A proxy in front of the real git server, until it turns into a drip.
    const app = new Hono().all("*", async (c) => {
      if (hostile) return new Response(dripBody(new TextEncoder().encode("001e# service=git-upload-pack\n0000"), 1000).stream, { headers: { "content-type": "application/x-git-upload-pack-advertisement" } });
      const u = new URL(c.req.url);
      const body = c.req.method === "POST" ? new Uint8Array(await c.req.arrayBuffer()) : undefined;
      const headers: Record<string, string> = {};
      for (const h of ["content-type", "accept", "git-protocol"]) if (c.req.header(h)) headers[h] = c.req.header(h)!;
      const res = await fetch(git.url("app").replace(/\/app(\.git)?$/, "") + u.pathname + u.search, { method: c.req.method, headers, body });
      // fetch has decoded the body already: pass it on with its type only.
      return new Response(await res.arrayBuffer(), { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "" } });
    });
    const proxy = await startHostileServer(app);
    servers.push(proxy);
    const url = `${proxy.url}${new URL(git.url("app")).pathname}`;
    await client.apply({ apiVersion: API, kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "10m", url, timeout: "3s", ref: { branch: "main" } } }, fm);
    const good = await eventually("the GitRepository to be Ready", async () => {
      const o = await get("GitRepository", "app");
      return ready(o)?.status === "True" && artifactOf(o) ? o : undefined;
    }, 45_000);

    await git.commit("app", { "a.yaml": "a: 2\n" }, "second", { branch: "main" });
    hostile = true;
    const asked = Date.now();
    await requestReconcile("GitRepository", "app");
    const failed = await eventually("Ready=False after the timeout", async () => {
      const o = await get("GitRepository", "app");
      return ready(o)?.status === "False" ? o : undefined;
    }, 30_000);
    // 3 s of deadline, plus the status write and this poll's 200 ms.
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(ready(failed)).toMatchObject({ reason: "GitOperationFailed", message: `Cannot fetch ${url}: timed out after 3s while reading the response` });
    expect(artifactOf(failed)).toEqual(artifactOf(good));
    await expectServed(artifactOf(failed)!);
  }, 90_000);

  test("an S3 listing whose continuation tokens never end: stopped at the page cap, last artifact kept and served", async () => {
    let hostile = false;
    let pages = 0;
    const page = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name>${inner}</ListBucketResult>`;
    const app = new Hono();
    app.get("/b", (c) => {
      if (!hostile) return c.body(page(`<IsTruncated>false</IsTruncated><Contents><Key>a.yaml</Key><ETag>"e1"</ETag><Size>5</Size></Contents>`), 200, { "content-type": "application/xml" });
      pages++;
      return c.body(page(`<IsTruncated>true</IsTruncated><NextContinuationToken>t${pages}</NextContinuationToken>`), 200, { "content-type": "application/xml" });
    });
    app.get("/b/a.yaml", (c) => c.body("a: 1\n", 200, { etag: '"e1"' }));
    const s3 = await startHostileServer(app);
    servers.push(s3);
    await client.apply({ apiVersion: API, kind: "Bucket", metadata: { name: "b", namespace: ns }, spec: { interval: "10m", bucketName: "b", endpoint: s3.host, insecure: true, timeout: "30s" } }, fm);
    const good = await eventually("the Bucket to be Ready", async () => {
      const o = await get("Bucket", "b");
      return ready(o)?.status === "True" && artifactOf(o) ? o : undefined;
    }, 45_000);

    hostile = true;
    await requestReconcile("Bucket", "b");
    const failed = await eventually("Ready=False at the page cap", async () => {
      const o = await get("Bucket", "b");
      return ready(o)?.status === "False" ? o : undefined;
    }, 40_000);
    expect(ready(failed)!.message).toContain(`Cannot list bucket "b" at ${s3.url}: the listing did not end after ${S3.maxListPages} pages`);
    expect(pages).toBe(S3.maxListPages);
    expect(artifactOf(failed)).toEqual(artifactOf(good));
    await expectServed(artifactOf(failed)!);
  }, 90_000);
});
