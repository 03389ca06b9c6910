import { describe, expect, test } from "bun:test";
import { createApp, type AgentState } from "./app.ts";
import type { StatusSnapshot } from "../status/status-snapshot.ts";
import { STATUS_PAGE_SCRIPT } from "./status-page-script.ts";

const state: AgentState = { connected: true, leader: true, namespace: "team", identity: "x" };

const snapshotWith = (message: string): StatusSnapshot => ({
  namespace: "team",
  objects: [
    { kind: "GitRepository", name: "app", ready: "True", reason: "Succeeded", message: "stored artifact for revision 'main@sha1:abc'", revision: "main@sha1:abc", lastReconcile: "2026-01-01T10:00:00Z", suspended: false, from: "https://***@git.example/app.git" },
    { kind: "Kustomization", name: "app", ready: "False", reason: "BuildFailed", message, revision: "", lastReconcile: "", suspended: false, from: "GitRepository/app ./nope", inventory: [] },
  ],
  events: [{ time: "2026-01-01T10:00:01Z", type: "Warning", reason: "BuildFailed", object: "Kustomization/app", message, count: 1 }],
});

const pageApp = (snap: () => StatusSnapshot, o: { maxStreams?: number; pollMs?: number } = {}) => createApp(state, { statusPage: { port: { snapshot: snap }, ...o } });

/** Reads the stream until `n` snapshot events arrived (or the body ends), then closes it. */
async function readSnapshots(res: Response, n: number): Promise<StatusSnapshot[]> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  const out: StatusSnapshot[] = [];
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      if (block.startsWith("event: snapshot\n")) out.push(JSON.parse(block.slice(block.indexOf("data: ") + 6)));
    }
  }
  await reader.cancel();
  return out;
}

describe("the status page", () => {
  test("is not served unless it is turned on", async () => {
    const app = createApp(state);
    for (const path of ["/status/", "/status/app.js", "/status/api/objects", "/status/api/events", "/status/api/stream"]) {
      expect((await app.request(path)).status).toBe(404);
    }
  });

  test.each([
    ["/status/", "text/html; charset=utf-8", '<main id="main">'],
    ["/status/app.js", "text/javascript; charset=utf-8", "new EventSource(\"api/stream\")"],
    ["/status/style.css", "text/css; charset=utf-8", "@media (max-width: 720px)"],
  ])("serves %s as %s with a strict Content-Security-Policy", async (path, type, part) => {
    const res = await pageApp(() => snapshotWith("x")).request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self';");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toContain(part);
  });

  test("/status redirects to the page, so its relative links resolve", async () => {
    const res = await pageApp(() => snapshotWith("x")).request("/status");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/status/");
  });

  test("the script parses as JavaScript and never writes markup", () => {
    expect(() => new Function(STATUS_PAGE_SCRIPT)).not.toThrow();
    expect(STATUS_PAGE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  test("api/objects and api/events answer the snapshot's parts, markup kept as text in JSON", async () => {
    const app = pageApp(() => snapshotWith("<script>alert(1)</script>"));
    const objects = await app.request("/status/api/objects");
    expect(objects.headers.get("content-type")).toContain("application/json");
    expect(await objects.json()).toEqual({ namespace: "team", objects: snapshotWith("<script>alert(1)</script>").objects });
    const events = (await (await app.request("/status/api/events")).json()) as { events: Array<{ message: string }> };
    expect(events.events[0]!.message).toBe("<script>alert(1)</script>");
  });

  test("the stream sends the snapshot at once, then again only when it changed", async () => {
    let message = "first";
    let reads = 0;
    const app = pageApp(() => (reads++, snapshotWith(message)), { pollMs: 10 });
    const res = await app.request("/status/api/stream");
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const got = readSnapshots(res, 2);
    await new Promise((r) => setTimeout(r, 60));
    const readsBeforeChange = reads;
    message = "second";
    const [a, b] = await got;
    expect(readsBeforeChange).toBeGreaterThan(2);
    expect(a!.events[0]!.message).toBe("first");
    expect(b!.events[0]!.message).toBe("second");
  });

  test("more open streams than allowed are refused, and a closed stream frees its place", async () => {
    const app = pageApp(() => snapshotWith("x"), { maxStreams: 1, pollMs: 5 });
    const first = await app.request("/status/api/stream");
    const refused = await app.request("/status/api/stream");
    expect(refused.status).toBe(503);
    expect(await refused.text()).toBe("too many open status streams\n");
    await readSnapshots(first, 1);
    await new Promise((r) => setTimeout(r, 30));
    const again = await app.request("/status/api/stream");
    expect(again.status).toBe(200);
    await readSnapshots(again, 1);
  });
});
