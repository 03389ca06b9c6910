import { describe, expect, test } from "bun:test";
import { fetchChart, sendsCredentials } from "./fetch-chart.ts";
import { helmIndexUrl } from "./fetch-helm-index.ts";

describe("sendsCredentials (Helm's HTTP getter rule)", () => {
  test.each([
    ["https://charts.example.com/stable", "https://charts.example.com/stable/web-1.0.0.tgz", false, true],
    ["https://charts.example.com", "https://charts.example.com:8443/web-1.0.0.tgz", false, false],
    ["https://charts.example.com", "http://charts.example.com/web-1.0.0.tgz", false, false],
    ["https://charts.example.com", "https://cdn.example.com/web-1.0.0.tgz", false, false],
    ["https://charts.example.com", "https://cdn.example.com/web-1.0.0.tgz", true, true],
  ])("repository %s, chart %s, passCredentials %p: %p", (repo, chart, pass, want) => {
    expect(sendsCredentials(repo, chart, pass)).toBe(want);
  });
});

describe("fetchChart", () => {
  const bytes = new TextEncoder().encode("a chart");
  const served = (status = 200, body: Uint8Array = bytes): typeof fetch =>
    (async (_url: string | URL | Request, init?: RequestInit) => {
      seen.push(new Headers(init?.headers).get("authorization"));
      return new Response(body, { status, statusText: status === 404 ? "Not Found" : "OK" });
    }) as typeof fetch;
  const seen: Array<string | null> = [];
  const base = { repositoryUrl: "https://charts.example.com", chartUrl: "https://charts.example.com/web-1.0.0.tgz" };
  // Some other chart's digest.
  const digest = "6a3c6ea2a1f1d2d8e5a4e8d3e8b3f0f2f3b1e0c5b2c9d9f1a6f0d3e2c1b0a9f8";

  test("checks the digest the index gives", async () => {
    const real = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))).map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await fetchChart({ ...base, fetch: served(), digest: `sha256:${real}` })).toEqual(bytes);
    await expect(fetchChart({ ...base, fetch: served(), digest })).rejects.toThrow(
      `the chart from https://charts.example.com/web-1.0.0.tgz has sha256 digest ${real}, the index says ${digest}`,
    );
  });
  test("refuses a chart over the size limit", async () => {
    await expect(fetchChart({ ...base, fetch: served(200, new Uint8Array(11)), maxBytes: 10 })).rejects.toThrow("chart exceeds the maximum chart size of 10 bytes");
  });
  test("names the URL and the status of a failed download", async () => {
    await expect(fetchChart({ ...base, fetch: served(404) })).rejects.toThrow("failed to fetch https://charts.example.com/web-1.0.0.tgz : 404 Not Found");
  });
  test("sends basic auth to the repository's host and not to another", async () => {
    seen.length = 0;
    await fetchChart({ ...base, fetch: served(), auth: { username: "u", password: "p" } });
    await fetchChart({ ...base, chartUrl: "https://cdn.example.com/web-1.0.0.tgz", fetch: served(), auth: { username: "u", password: "p" } });
    expect(seen).toEqual([`Basic ${btoa("u:p")}`, null]);
  });
  test("sends a bearer token to the repository's host, and to another only with passCredentials", async () => {
    seen.length = 0;
    const other = "https://cdn.example.com/web-1.0.0.tgz";
    await fetchChart({ ...base, fetch: served(), auth: { bearerToken: "t" } });
    await fetchChart({ ...base, chartUrl: other, fetch: served(), auth: { bearerToken: "t" } });
    await fetchChart({ ...base, chartUrl: other, fetch: served(), auth: { bearerToken: "t" }, passCredentials: true });
    expect(seen).toEqual(["Bearer t", null, "Bearer t"]);
  });
});

describe("helmIndexUrl", () => {
  test.each([
    ["https://charts.example.com", "https://charts.example.com/index.yaml"],
    ["https://charts.example.com/", "https://charts.example.com/index.yaml"],
    ["https://charts.example.com/stable/", "https://charts.example.com/stable/index.yaml"],
    ["https://charts.example.com/stable?token=x", "https://charts.example.com/stable/index.yaml?token=x"],
  ])("%s -> %s", (base, want) => {
    expect(helmIndexUrl(base)).toBe(want);
  });
});
