/**
 * The git client against servers that speak smart HTTP v2 and then misbehave (test/support/hostile-server.ts):
 * each ends within its deadline with a GitError naming the repository, having read no more than its
 * cap, and with no credential sent anywhere but the repository's own origin.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { fetchGitArtifact } from "./fetch-git-artifact.ts";
import { GitError } from "./git-error.ts";
import { FLUSH, pktLine } from "./pkt-line.ts";
import { concat } from "../../core/bytes.ts";
import { dripBody, endlessBody, startHostileServer, startSelfSignedServer, type HostileServer } from "../../../test/support/hostile-server.ts";

const COMMIT = "a".repeat(40);
const ADVERTISEMENT = concat([pktLine("version 2\n"), pktLine("ls-refs\n"), pktLine("fetch=shallow\n"), FLUSH]);
const LS_REFS = concat([pktLine(`${COMMIT} refs/heads/main\n`), FLUSH]);
const ADV_TYPE = { "content-type": "application/x-git-upload-pack-advertisement" };
const RESULT_TYPE = { "content-type": "application/x-git-upload-pack-result" };

/** A v2 server: a real advertisement and ref listing, then `pack()` as the answer to `fetch`. */
function gitApp(pack: () => Response): Hono {
  const app = new Hono();
  app.get("/r.git/info/refs", () => new Response(ADVERTISEMENT, { headers: ADV_TYPE }));
  app.post("/r.git/git-upload-pack", async (c) => {
    const body = await c.req.text();
    return body.includes("command=ls-refs") ? new Response(LS_REFS, { headers: RESULT_TYPE }) : pack();
  });
  return app;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function start(app: Hono): Promise<HostileServer> {
  const s = await startHostileServer(app);
  servers.push(s);
  return s;
}

async function failure(p: Promise<unknown>): Promise<{ err: GitError; ms: number }> {
  const t0 = performance.now();
  const err = await p.then(() => undefined, (e) => e);
  expect(err).toBeInstanceOf(GitError);
  return { err: err as GitError, ms: performance.now() - t0 };
}

/**
 * A packfile section that never ends: a pack header, then side-band data lines of 65,515 zero bytes, forever.
 * The reader takes the zeros for a corrupt object and, as for any corruption, reads on to the trailer's
 * checksum, which never comes: only the cap ends it.
 */
function endlessPack(): ReturnType<typeof endlessBody> {
  const header = pktLine(Uint8Array.from([1, 0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 1]));
  return endlessBody(pktLine(concat([new Uint8Array([1]), new Uint8Array(65_510)])), concat([pktLine("packfile\n"), header]));
}

describe("git against hostile servers", () => {
  test("an endless pack is cut at the response cap, having read little more than the cap", async () => {
    const body = endlessPack();
    const s = await start(gitApp(() => new Response(body.stream, { headers: RESULT_TYPE })));
    const cap = 4 * 1024 * 1024;
    const { err, ms } = await failure(fetchGitArtifact({ url: `${s.url}/r.git`, ref: { branch: "main" }, fetch, maxResponseBytes: cap, timeoutMs: 20_000 }));
    expect(err.message).toBe(`Cannot fetch ${s.url}/r.git: the response exceeds ${cap} bytes`);
    expect(ms).toBeLessThan(10_000);
    // Socket buffers let the server run ahead of the reader, but not by gigabytes.
    expect(body.sent()).toBeLessThan(cap + 32 * 1024 * 1024);
  });

  test("a pack whose Content-Length is over the cap is refused before its body is read", async () => {
    const body = endlessPack();
    const s = await start(gitApp(() => new Response(body.stream, { headers: { ...RESULT_TYPE, "content-length": String(8 * 1024 ** 3) } })));
    const { err } = await failure(fetchGitArtifact({ url: `${s.url}/r.git`, ref: { branch: "main" }, fetch, maxResponseBytes: 1024 * 1024, timeoutMs: 20_000 }));
    expect(err.message).toBe(`Cannot fetch ${s.url}/r.git: the response exceeds 1048576 bytes`);
    expect(body.sent()).toBeLessThan(32 * 1024 * 1024);
  });

  test("a server that drips one byte a second ends at the deadline with a timeout", async () => {
    const app = new Hono();
    app.get("/r.git/info/refs", () => new Response(dripBody(ADVERTISEMENT, 1000).stream, { headers: ADV_TYPE }));
    const s = await start(app);
    const { err, ms } = await failure(fetchGitArtifact({ url: `${s.url}/r.git`, fetch, timeoutMs: 1500 }));
    expect(err.problem).toBe("timeout");
    expect(err.message).toBe(`Cannot fetch ${s.url}/r.git: timed out after 1.5s while reading the response`);
    expect(ms).toBeLessThan(4000);
  });

  test("a pack that drips ends at the deadline too, whatever was read before", async () => {
    const s = await start(gitApp(() => new Response(dripBody(new Uint8Array(1000), 1000).stream, { headers: RESULT_TYPE })));
    const { err, ms } = await failure(fetchGitArtifact({ url: `${s.url}/r.git`, ref: { branch: "main" }, fetch, timeoutMs: 1500 }));
    expect(err.message).toBe(`Cannot fetch ${s.url}/r.git: timed out after 1.5s while reading the response`);
    expect(ms).toBeLessThan(4000);
  });

  test("credentials do not follow a redirect to another host", async () => {
    const other = await start(new Hono());
    const app = new Hono();
    // localhost and 127.0.0.1 are different origins, as two hosts would be.
    app.get("/r.git/info/refs", (c) => c.redirect(`http://localhost:${other.port}/r.git/info/refs?service=git-upload-pack`, 302));
    const s = await start(app);
    const { err } = await failure(fetchGitArtifact({ url: `${s.url}/r.git`, fetch, auth: { username: "u", password: "s3cret" }, timeoutMs: 5000 }));
    expect(err.message).toBe(`Cannot fetch ${s.url}/r.git: repository not found (HTTP 404)`);
    expect(s.requests[0]!.headers.authorization).toBe(`Basic ${btoa("u:s3cret")}`);
    expect(other.requests.length).toBe(1);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
  });

  test("a self-signed certificate without a CA is refused and said to be untrusted", async () => {
    const tls = await startSelfSignedServer();
    servers.push(tls);
    const { err } = await failure(fetchGitArtifact({ url: `${tls.url}/r.git`, fetch, timeoutMs: 5000 }));
    expect(err.problem).toBe("unreachable");
    expect(err.message).toStartWith(`Cannot fetch ${tls.url}/r.git: the server's TLS certificate is not trusted (`);
    expect(err.message).toEndWith("): give the CA that signed it as ca.crt in the Secret the spec names");
    expect(tls.requests).toBe(0);
  });
});
