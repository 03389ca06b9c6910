import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { webhookPath } from "./webhook-path.ts";

test("the webhook path of token abc, Receiver r in ns is Flux's documented vector", async () => {
  // sha256("abcrns"), the vector in ../shared/reference/flux-wave2.md §3.
  expect(await webhookPath("abc", "r", "ns")).toBe("/hook/c80f7e0c8c3673962d2455ea9bfa1290ccbcaac617127f0472fe8e21e815daae");
});

test("the webhook path is /hook/ and the hex sha256 of token, name and namespace concatenated", async () => {
  await fc.assert(
    fc.asyncProperty(fc.string(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), async (token, name, ns) => {
      const want = "/hook/" + createHash("sha256").update(token + name + ns, "utf8").digest("hex");
      expect(await webhookPath(token, name, ns)).toBe(want);
    }),
    { numRuns: 50 },
  );
});
