import { describe, expect, test } from "bun:test";
import { createEventApp } from "./event-app.ts";
import type { FluxEvent } from "../notify/flux-event.ts";

const body = JSON.stringify({ involvedObject: { kind: "GitRepository", name: "r", namespace: "ns", apiVersion: "source.toolkit.fluxcd.io/v1" }, severity: "info", timestamp: "2026-12-06T08:00:00Z", message: "m", reason: "x", reportingController: "source-controller" });

function app(result: "duplicate" | "unmatched" | "dispatched" = "dispatched") {
  const got: FluxEvent[] = [];
  const errors: string[] = [];
  const a = createEventApp({ submit: async (e) => (got.push(e), result), maxBodyBytes: 1024, onError: (m) => errors.push(m) });
  return { a, got, errors };
}

describe("the event address (POST / as notification-controller's event server)", () => {
  test("an event is accepted with 202 and handed to the pipeline", async () => {
    const { a, got } = app();
    const res = await a.request("/", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(202);
    expect(got[0]!.involvedObject.name).toBe("r");
  });

  test("a duplicate within the rate-limit interval is 429", async () => {
    expect((await app("duplicate").a.request("/", { method: "POST", body })).status).toBe(429);
  });

  test.each([
    ["not JSON", "{", 400],
    ["not an event", '{"message":5}', 400],
    ["too large", `{"message":"${"x".repeat(2000)}"}`, 413],
  ])("%s is refused with %i and never reaches the pipeline", async (_, text, status) => {
    const { a, got, errors } = app();
    expect((await a.request("/", { method: "POST", body: text })).status).toBe(status);
    expect(got).toEqual([]);
    expect(errors.length).toBe(1);
  });

  test("a streamed body past the limit is cut without reading it all", async () => {
    const { a } = app();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(512).fill(32));
        if (pulled > 100) c.close();
      },
    });
    const res = await a.request("/", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  test("other methods are 405", async () => {
    expect((await app().a.request("/", { method: "GET" })).status).toBe(405);
  });
});
