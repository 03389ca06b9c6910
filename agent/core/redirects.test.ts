import { expect, test } from "bun:test";
import { fetchWithSafeRedirects } from "./redirects.ts";

/** A fake network: answers by URL and records what each request carried. */
function network(answers: Record<string, () => Response>) {
  const seen: Array<{ url: string; method: string; headers: Record<string, string>; body: string | undefined }> = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    seen.push({ url, method: init?.method ?? "GET", headers: Object.fromEntries(new Headers(init?.headers)), body: init?.body === undefined ? undefined : String(init.body) });
    expect(init?.redirect).toBe("manual");
    return (answers[url] ?? (() => new Response("not found", { status: 404 })))();
  };
  return { fetch, seen };
}
const redirect = (status: number, location: string) => () => new Response(null, { status, headers: { location } });
const secret = { "content-type": "application/json", "private-token": "t0ken", authorization: "Bearer b", "x-signature": "sha256=ab" };

test("a redirect to another origin keeps only the content headers; one within the origin keeps them all", async () => {
  const n = network({ "http://a/x": redirect(307, "/y"), "http://a/y": redirect(308, "http://b/z"), "http://b/z": () => new Response("ok") });
  const res = await fetchWithSafeRedirects(n.fetch, "http://a/x", { method: "POST", headers: secret, body: "{}" });
  expect(await res.text()).toBe("ok");
  expect(n.seen.map((s) => [s.url, s.method, s.body, Object.keys(s.headers).sort().join(",")])).toEqual([
    ["http://a/x", "POST", "{}", "authorization,content-type,private-token,x-signature"],
    ["http://a/y", "POST", "{}", "authorization,content-type,private-token,x-signature"],
    ["http://b/z", "POST", "{}", "content-type"],
  ]);
});

test("a scheme change is another origin too (https to http)", async () => {
  const n = network({ "https://a/x": redirect(302, "http://a/x") });
  await fetchWithSafeRedirects(n.fetch, "https://a/x", { headers: secret });
  expect(n.seen[1]!.headers).toEqual({ "content-type": "application/json" });
});

test("301, 302 and 303 turn a POST into a GET without a body, 307 and 308 keep both", async () => {
  const cases: Array<[number, string, string | undefined]> = [[301, "GET", undefined], [302, "GET", undefined], [303, "GET", undefined], [307, "POST", "{}"], [308, "POST", "{}"]];
  for (const [status, method, body] of cases) {
    const n = network({ "http://a/x": redirect(status, "/y"), "http://a/y": () => new Response("ok") });
    await fetchWithSafeRedirects(n.fetch, "http://a/x", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect([status, n.seen[1]!.method, n.seen[1]!.body]).toEqual([status, method, body]);
  }
});

test("a redirect loop stops with an error after the limit", async () => {
  const n = network({ "http://a/x": redirect(302, "/x") });
  expect(fetchWithSafeRedirects(n.fetch, "http://a/x", {}, 3)).rejects.toThrow("stopped after 3 redirects");
  await new Promise((r) => setTimeout(r, 10));
  expect(n.seen.length).toBe(4);
});
