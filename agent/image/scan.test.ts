import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { serve, type Served } from "../runtime/serve.ts";
import { MEDIA } from "../source/oci/media-types.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import { credentialsFromDockerConfig } from "../source/oci/registry-auth.ts";
import { parseImageName } from "./image-name.ts";
import { parseTagsFile, scanTags, tagsFile } from "./scan.ts";

const sha256Lines = (tags: string[]) => `sha256:${createHash("sha256").update(tags.map((t) => `${t}\n`).join("")).digest("hex")}`;

describe("scanTags against Debian's docker-registry with htpasswd auth", () => {
  let reg: TestRegistry;
  const pushed = ["1.0.0", "1.2.0", "1.10.0", "v2.0.0-rc.1", "latest", "sha256-0a1b.sig", "sha256-0a1b.att"];
  const client = (password: string) => {
    const name = parseImageName(`${reg.host}/team/app`);
    const config = JSON.stringify({ auths: { [reg.host]: { auth: btoa(`${reg.username}:${password}`) } } });
    return new RegistryClient({ host: name.apiHost, repository: name.repository, fetch, insecure: true, credentials: credentialsFromDockerConfig(config, name.registry) });
  };

  beforeAll(async () => {
    reg = await startRegistry({ auth: true });
    const c = client(reg.password!);
    const enc = new TextEncoder();
    const cfg = await c.pushBlob(enc.encode("{}"));
    const layer = await c.pushBlob(enc.encode("layer"));
    const manifest = enc.encode(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.fluxConfig, digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
    }));
    for (const tag of pushed) await c.putManifest(tag, manifest, MEDIA.ociManifest);
  }, 60_000);
  afterAll(async () => reg?.stop());

  test("lists every pushed tag, leaves out what the default exclusion list matches, and sorts descending", async () => {
    const scan = await scanTags(client(reg.password!), ["^.*\\.sig$"]);
    const kept = ["v2.0.0-rc.1", "sha256-0a1b.att", "latest", "1.2.0", "1.10.0", "1.0.0"];
    expect(scan.tags).toEqual(kept);
    expect(scan.result).toEqual({ tagCount: 6, latestTags: kept, revision: sha256Lines(kept) });
  });

  test("an exclusion list of several patterns drops a tag any one of them matches", async () => {
    const scan = await scanTags(client(reg.password!), ["^.*\\.(sig|att)$", "^latest$", "rc"]);
    expect(scan.tags).toEqual(["1.2.0", "1.10.0", "1.0.0"]);
  });

  test("an exclusion pattern Go refuses is Flux's error, before any request", async () => {
    const none = { tagPages: () => { throw new Error("no request expected"); } };
    const err = await scanTags(none, ["^ok$", "(?!x)"]).catch((e: Error) => e);
    expect((err as Error).message).toBe("failed to compile regex (?!x): error parsing regexp: invalid or unsupported Perl syntax: `(?!`");
  });

  test("wrong credentials end in a clear error without the password", async () => {
    const err = await scanTags(client("wrong-pass"), []).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`Cannot authenticate to ${reg.host}: the registry refused the credentials`);
    expect((err as Error).message).not.toContain("wrong-pass");
  });

  test("a repository the registry does not know has no tags", async () => {
    const c = new RegistryClient({ host: reg.host, repository: "nothing/here", fetch, insecure: true, credentials: { username: reg.username!, password: reg.password! } });
    expect((await scanTags(c, [])).result).toEqual({ tagCount: 0, revision: sha256Lines([]) });
  });
});

/**
 * A registry of our own, only for what docker-registry 2.8 cannot show: it ignores `?n=` on tags/list
 * and never sends a Link header. This one pages (`n`, `last`, `Link: <...>; rel="next"`) and asks for a
 * bearer token from its realm, handed out for basic credentials and the pull scope of the repository.
 */
async function pagingRegistry(tags: string[], pageLimit: number) {
  const requests: string[] = [];
  const token = "tok-" + crypto.randomUUID();
  let served: Served | undefined;
  served = await serve(async (req) => {
    const url = new URL(req.url);
    requests.push(url.pathname + url.search);
    if (url.pathname === "/token") {
      const ok = req.headers.get("authorization") === `Basic ${btoa("robot:pa55")}` && url.searchParams.get("scope") === "repository:big/app:pull"
        && url.searchParams.get("service") === "test-registry";
      return ok ? Response.json({ token }) : new Response("denied", { status: 401 });
    }
    if (req.headers.get("authorization") !== `Bearer ${token}`) {
      const realm = `http://127.0.0.1:${served!.port}/token`;
      return new Response("{}", { status: 401, headers: { "www-authenticate": `Bearer realm="${realm}",service="test-registry",scope="repository:big/app:pull"` } });
    }
    if (url.pathname !== "/v2/big/app/tags/list") return new Response("{}", { status: 404 });
    const n = Math.min(Number(url.searchParams.get("n") ?? pageLimit), pageLimit);
    const sorted = [...tags].sort();
    const last = url.searchParams.get("last");
    const start = last === null ? 0 : sorted.findIndex((t) => t > last);
    const page = start < 0 ? [] : sorted.slice(start, start + n);
    const headers: Record<string, string> = {};
    if (start >= 0 && start + n < sorted.length) headers.link = `</v2/big/app/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"`;
    return Response.json({ name: "big/app", tags: page }, { headers });
  }, "127.0.0.1", 0);
  return { port: served.port, requests, close: () => served!.close() };
}

describe("scanTags over a paging registry with the bearer-token flow", () => {
  const tags = Array.from({ length: 10_000 }, (_, i) => `build-${String(i).padStart(5, "0")}${i % 10 === 0 ? ".sig" : ""}`);
  let server: Awaited<ReturnType<typeof pagingRegistry>>;
  beforeAll(async () => void (server = await pagingRegistry(tags, 700)));
  afterAll(async () => server?.close());

  test("follows the Link pages, authenticates once, and keeps 9,000 of 10,000 tags in bounded memory", async () => {
    const client = new RegistryClient({ host: `127.0.0.1:${server.port}`, repository: "big/app", fetch, insecure: true, credentials: { username: "robot", password: "pa55" } });
    const gc = () => (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
    gc();
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const scan = await scanTags(client, ["^.*\\.sig$"]);
    const ms = performance.now() - t0;
    gc();
    const grew = process.memoryUsage().heapUsed - before;
    expect(scan.result.tagCount).toBe(9_000);
    expect(scan.result.latestTags).toEqual(["09999", "09998", "09997", "09996", "09995", "09994", "09993", "09992", "09991", "09989"].map((n) => `build-${n}`));
    expect(scan.result.revision).toBe(sha256Lines(tags.filter((t) => !t.endsWith(".sig")).sort().reverse()));
    // 10,000 / 700 per page: 15 pages, plus one challenged request and one token request.
    const listed = server.requests.filter((r) => r.startsWith("/v2/"));
    expect(listed.length).toBe(16);
    expect(server.requests.filter((r) => r.startsWith("/token")).length).toBe(1);
    expect(listed[0]).toBe("/v2/big/app/tags/list?n=1000");
    console.log(`scan of 10,000 tags in 15 pages: ${ms.toFixed(0)} ms, heap grew ${(grew / 1024 / 1024).toFixed(1)} MiB`);
    expect(grew).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  test("more kept tags than the limit fail the scan instead of growing memory", async () => {
    const client = new RegistryClient({ host: `127.0.0.1:${server.port}`, repository: "big/app", fetch, insecure: true, credentials: { username: "robot", password: "pa55" } });
    await expect(scanTags(client, [], { maxTags: 1_000 })).rejects.toThrow(new Error("the repository has more than 1000 tags after the exclusion list"));
  });
});

describe("the tag file", () => {
  test("reads back the tags it was written from", () => {
    const tags = ["v2", "v1.0.0-rc.1", "latest"];
    expect(parseTagsFile(tagsFile(tags))).toEqual(tags);
    expect(new TextDecoder().decode(tagsFile(tags))).toBe("v2\nv1.0.0-rc.1\nlatest\n");
  });
});
