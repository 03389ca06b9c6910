import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startCaptureServer, type CaptureServer } from "../../test/support/capture-server.ts";
import { createFetch } from "./http-fetch.ts";

let proxy: CaptureServer;
beforeAll(async () => (proxy = await startCaptureServer()));
afterAll(() => proxy.stop());

describe("createFetch with a proxy", () => {
  test("a plain-HTTP request goes to the proxy, addressed to the target host", async () => {
    proxy.answer(200, "via proxy");
    const res = await createFetch({}, proxy.url)("http://notify.example.invalid/hook", { method: "POST", body: "x" });
    expect(await res.text()).toBe("via proxy");
    expect(proxy.requests[0]!.headers.host).toBe("notify.example.invalid");
    expect(proxy.requests[0]!.path).toBe("/hook");
  });
});
